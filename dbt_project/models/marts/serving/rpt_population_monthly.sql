-- Question: how did each community's managed population, inflow and outflow
-- move over the last 12 months? One row per community and month (Superset
-- dataset rpt_population_monthly).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

latest_month as (
    select max(month_start) as month_start
    from {{ published('rpt_population_structure') }}
    where unit_level = 'community'
),

final as (
    select
        areas.street_code,
        areas.street_name,
        structure.unit_code as community_code,
        areas.community_name,
        structure.month_start as month,  -- noqa: RF04
        structure.managed_count as managed_population,
        structure.inflow_count as inflow,
        structure.outflow_count as outflow
    from {{ published('rpt_population_structure') }} as structure
    cross join latest_month
    left join areas on structure.unit_code = areas.community_code
    where
        structure.unit_level = 'community'
        and structure.month_start > {{ dbt.dateadd('month', -12, 'latest_month.month_start') }}
)

select * from final
