-- Restating on today's boundaries moves people and events between units,
-- never in or out (docs/GEOGRAPHY.md): in every month the district total of
-- rpt_population_trend equals rpt_population_structure's district row, and
-- rpt_event_trend's equals rpt_event_performance's; and the restated series
-- summed over today's communities equals the series on the boundaries of the
-- time. A row returned names a month and a measure that differ.
with

population_restated as (
    select
        month_start,
        sum(managed_count) as restated,
        sum(inflow_count) as inflow_restated
    from {{ ref('rpt_population_trend') }}
    group by month_start
),

population_district as (
    -- one row per district the data reach: the warehouse's total is their sum
    select
        month_start,
        sum(managed_count) as managed_count,
        sum(inflow_count) as inflow_count
    from {{ ref('rpt_population_structure') }}
    where unit_level = 'district'
    group by month_start
),

events_restated as (
    select
        month_start,
        sum(events_reported) as restated
    from {{ ref('rpt_event_trend') }}
    group by month_start
),

events_district as (
    select
        period_start as month_start,
        sum(events_reported) as events_reported
    from {{ ref('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'district'
    group by period_start
),

failures as (
    select
        coalesce(restated.month_start, district.month_start) as month_start,
        'managed_count' as measure,
        restated.restated,
        district.managed_count as as_delivered
    from population_restated as restated
    full outer join population_district as district on restated.month_start = district.month_start
    where coalesce(restated.restated, -1) != coalesce(district.managed_count, -1)
    union all
    select
        coalesce(restated.month_start, district.month_start) as month_start,
        'inflow_count' as measure,
        restated.inflow_restated as restated,
        district.inflow_count as as_delivered
    from population_restated as restated
    full outer join population_district as district on restated.month_start = district.month_start
    where coalesce(restated.inflow_restated, -1) != coalesce(district.inflow_count, -1)
    union all
    select
        coalesce(restated.month_start, district.month_start) as month_start,
        'events_reported' as measure,
        restated.restated,
        district.events_reported as as_delivered
    from events_restated as restated
    full outer join events_district as district on restated.month_start = district.month_start
    where coalesce(restated.restated, -1) != coalesce(district.events_reported, -1)
)

select * from failures
