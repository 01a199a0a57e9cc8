-- Question: how many events did each community report and close, month by
-- month, on TODAY's boundaries? Each grid's monthly counts as
-- rpt_event_performance counts them (on the boundaries of their time) go
-- through the crosswalk (dim_geography_crosswalk, dated at the month's end:
-- a retired grid code a late delivery still carries maps too) to today's
-- grids in whole events (largest remainder, macro apportioned), and add up
-- to today's communities; events_reported_at_the_time is the same month on
-- the boundaries of its time. docs/GEOGRAPHY.md.
with

grid_months as (
    select
        unit_code as grid_code,
        period_start as month_start,
        reports_received,
        events_reported,
        events_closed,
        closed_on_time
    from {{ ref('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'grid'
),

crosswalk as (
    select * from {{ ref('dim_geography_crosswalk') }}
),

-- today's grids and their communities (an unlocated grid 999 is in none:
-- its community is its first 12 digits)
current_grids as (
    select
        grid_code,
        community_code
    from {{ ref('dim_grid_version') }}
    where is_current
),

mapped as (
    select
        grid_months.*,
        coalesce(crosswalk.current_code, grid_months.grid_code) as current_grid_code,
        coalesce(crosswalk.population_share, 1) as population_share
    from grid_months
    left join crosswalk
        on {{ crosswalk_applies(
            'crosswalk', 'grid', 'grid_months.grid_code',
            dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'grid_months.month_start'))) }}
),

restated_grids as (
    select
        current_grid_code,
        month_start,
        {{ apportioned('reports_received', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as reports_received,
        {{ apportioned('events_reported', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as events_reported,
        {{ apportioned('events_closed', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as events_closed,
        {{ apportioned('closed_on_time', 'population_share', 'grid_code, month_start', 'current_grid_code') }}
            as closed_on_time
    from mapped
),

restated as (
    select
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }})
            as community_code,
        restated_grids.month_start,
        sum(restated_grids.reports_received) as reports_received,
        sum(restated_grids.events_reported) as events_reported,
        sum(restated_grids.events_closed) as events_closed,
        sum(restated_grids.closed_on_time) as closed_on_time
    from restated_grids
    left join current_grids on restated_grids.current_grid_code = current_grids.grid_code
    group by
        coalesce(current_grids.community_code, {{ community_code_of('restated_grids.current_grid_code') }}),
        restated_grids.month_start
),

at_the_time as (
    select
        unit_code as community_code,
        period_start as month_start,
        events_reported
    from {{ ref('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'community'
),

final as (
    select
        {{ dbt.hash(dbt.concat(['restated.community_code', "'|'", as_string('restated.month_start')])) }}
            as trend_key,
        {{ street_code_of('restated.community_code') }} as street_code,
        restated.community_code,
        restated.month_start,
        cast(restated.reports_received as bigint) as reports_received,
        cast(restated.events_reported as bigint) as events_reported,
        cast(restated.events_closed as bigint) as events_closed,
        cast(restated.closed_on_time as bigint) as closed_on_time,
        cast(coalesce(at_the_time.events_reported, 0) as bigint) as events_reported_at_the_time
    from restated
    left join at_the_time
        on
            restated.community_code = at_the_time.community_code
            and restated.month_start = at_the_time.month_start
)

select * from final
