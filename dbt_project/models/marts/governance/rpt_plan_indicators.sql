-- Question: where does the district stand against its plan targets (规划指标)?
-- One row per indicator of the seed: the measured value (null when no feed
-- carries what it needs), the target and whether it is met.
with

targets as (
    select * from {{ ref('plan_indicators') }}
),

pressure as (
    select * from {{ ref('rpt_public_service_pressure') }}
),

coverage as (
    select * from {{ ref('rpt_social_security') }}
),

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current and is_active and registry = 'market_regulation'
),

district as (
    select
        sum(managed_count) as managed_count,
        sum(social_organisation_count) as social_organisation_count,
        sum(certified_social_worker_count) as certified_social_worker_count
    from pressure
),

measured as (
    select
        'social_orgs_per_10000' as indicator_code,
        {{ plan_rate('district.social_organisation_count', 'district.managed_count', 10000) }} as measured_value
    from district
    union all
    select
        'social_workers_per_10000_2020' as indicator_code,
        {{ plan_rate('district.certified_social_worker_count', 'district.managed_count', 10000) }} as measured_value
    from district
    union all
    select
        'social_workers_per_10000_2025' as indicator_code,
        {{ plan_rate('district.certified_social_worker_count', 'district.managed_count', 10000) }} as measured_value
    from district
    union all
    select
        'social_insurance_coverage' as indicator_code,
        {{ plan_rate('sum(insured_working_age_count)', 'sum(working_age_count)', 100) }} as measured_value
    from coverage
    union all
    -- a credit file needs a well-formed 18-character USCC
    select
        'enterprise_credit_files' as indicator_code,
        {{ plan_rate('count(*) filter (where length(uscc) = 18)', 'count(*)', 100) }} as measured_value
    from entities
),

final as (
    select
        targets.indicator_code,
        -- district-level rows: no street or community (row-level security
        -- scoped to a street or community does not show them)
        cast(null as {{ dbt.type_string() }}) as street_code,
        cast(null as {{ dbt.type_string() }}) as community_code,
        targets.indicator_name_zh,
        targets.indicator_name_en,
        targets.unit,
        targets.comparator,
        targets.target_value,
        targets.plan_name,
        targets.plan_end_year,
        measured.measured_value,
        {{ plan_target_met('measured.measured_value', 'targets.comparator', 'targets.target_value') }} as is_target_met,
        measured.measured_value is not null as is_measured
    from targets
    left join measured on targets.indicator_code = measured.indicator_code
)

select * from final
