-- Question: how many people does each grid, community and street manage per
-- month — managed (实际管理人口), half-year residents (常住), hukou (户籍) vs
-- non-hukou, 60+ and their share, inflow and outflow? Every resident is
-- counted at every level: unknown locations are the unlocated members
-- (is_unlocated), and the district row equals the sum over streets, over
-- communities and over grids (test conserved_across_levels). The latest
-- month is counted at the population as-of date (fct_person_status).
with

snapshots as (
    select * from {{ ref('fct_population_snapshot') }}
),

rolled_up as (
    {% for level, column in {
        'grid': 'grid_code', 'community': 'community_code', 'street': 'street_code',
        'district': district_code_of('street_code')}.items() %}
        select
            '{{ level }}' as unit_level,
            {{ column }} as unit_code,
            month_start,
            sum(resident_count) as managed_count,
            sum(resident_6m_count) as resident_6m_count,
            sum(hukou_count) as hukou_count,
            sum(non_hukou_count) as non_hukou_count,
            sum(elderly_60_plus_count) as elderly_60_plus_count,
            sum(inflow_count) as inflow_count,
            sum(outflow_count) as outflow_count
        from snapshots
        where {{ column }} is not null
        group by {{ column }}, month_start
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat(['unit_level', "'|'", 'unit_code', "'|'", as_string('month_start')])) }}
            as structure_key,
        unit_level,
        unit_code,
        case when unit_level <> 'district' then {{ street_code_of('unit_code') }} end as street_code,
        case
            when unit_level = 'community' then unit_code
            when unit_level = 'grid' then {{ community_code_of('unit_code') }}
        end as community_code,
        case unit_level
            when 'grid' then substr(unit_code, 13, 3) = '999' or substr(unit_code, 10, 3) = '999'
            when 'community' then substr(unit_code, 10, 3) = '999'
            when 'street' then substr(unit_code, 7, 3) = '999'
            else false
        end as is_unlocated,
        month_start,
        cast(managed_count as bigint) as managed_count,
        cast(resident_6m_count as bigint) as resident_6m_count,
        cast(hukou_count as bigint) as hukou_count,
        cast(non_hukou_count as bigint) as non_hukou_count,
        cast(elderly_60_plus_count as bigint) as elderly_60_plus_count,
        cast(elderly_60_plus_count as double) / nullif(managed_count, 0) as elderly_60_plus_share,
        cast(hukou_count as double) / nullif(managed_count, 0) as hukou_share,
        cast(inflow_count as bigint) as inflow_count,
        cast(outflow_count as bigint) as outflow_count
    from rolled_up
)

select * from final
