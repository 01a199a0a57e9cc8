-- Question: where do the plan indicators stand against their targets? The
-- district's measured indicators (no street), and each street's social
-- organisations and social workers per 10,000 (its latest month of
-- rpt_public_service_pressure) against the same district targets (Superset
-- dataset rpt_indicators_vs_targets; community columns are NULL: no row is a
-- community's, so a community leader's filter shows none).
with

streets as (
    {{ current_streets() }}
),

street_pressure as (
    select
        street_code,
        social_organisations_per_10000,
        social_workers_per_10000,
        row_number() over (partition by street_code order by population_month desc) as recency
    from {{ published('rpt_public_service_pressure') }}
),

street_measures as (
    select
        street_code,
        'social_orgs_per_10000' as indicator_code,
        social_organisations_per_10000 as measured_value
    from street_pressure
    where recency = 1
    union all
    select
        street_code,
        'social_workers_per_10000_2025' as indicator_code,
        social_workers_per_10000 as measured_value
    from street_pressure
    where recency = 1
),

district_indicators as (
    select * from {{ published('rpt_plan_indicators') }}
    where unit_level = 'district'
),

measured as (
    select
        cast(null as {{ dbt.type_string() }}) as street_code,
        '宝安区（全区）' as street_name,
        indicator_code,
        indicator_name_zh,
        comparator,
        target_value,
        measured_value
    from district_indicators
    where is_measured
    union all
    select
        street_measures.street_code,
        streets.street_name,
        street_measures.indicator_code,
        district_indicators.indicator_name_zh,
        district_indicators.comparator,
        district_indicators.target_value,
        street_measures.measured_value
    from street_measures
    inner join district_indicators on street_measures.indicator_code = district_indicators.indicator_code
    left join streets on street_measures.street_code = streets.street_code
),

final as (
    select
        street_code,
        street_name,
        cast(null as {{ dbt.type_string() }}) as community_code,
        cast(null as {{ dbt.type_string() }}) as community_name,
        indicator_code,
        indicator_name_zh as indicator_name,
        measured_value as value,  -- noqa: RF04
        target_value as target,  -- noqa: RF04
        comparator,
        case
            when comparator = '>=' and measured_value >= target_value then '达标'
            when comparator = '>' and measured_value > target_value then '达标'
            when comparator = '<=' and measured_value <= target_value then '达标'
            when comparator = '<' and measured_value < target_value then '达标'
            else '未达标'
        end as status
    from measured
)

select * from final
