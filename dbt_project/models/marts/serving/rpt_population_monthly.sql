-- Question: how did each community's managed population, inflow and outflow
-- move over the last 12 months? One row per community and month (Superset
-- dataset rpt_population_monthly), on TODAY's boundaries: a community split,
-- merged or redrawn since is restated (rpt_population_trend; the boundaries
-- of the time: rpt_population_structure), so its trend line does not break
-- at the change (docs/GEOGRAPHY.md).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

latest_month as (
    select max(month_start) as month_start
    from {{ published('rpt_population_trend') }}
),

final as (
    select
        areas.street_code,
        areas.street_name,
        trend.community_code,
        areas.community_name,
        trend.month_start as month,  -- noqa: RF04
        trend.managed_count as managed_population,
        trend.inflow_count as inflow,
        trend.outflow_count as outflow
    from {{ published('rpt_population_trend') }} as trend
    cross join latest_month
    left join areas on trend.community_code = areas.community_code
    where trend.month_start > {{ dbt.dateadd('month', -12, 'latest_month.month_start') }}
)

select * from final
