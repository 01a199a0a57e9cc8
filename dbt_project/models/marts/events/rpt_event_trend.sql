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

{{ restated_on_today(['reports_received', 'events_reported', 'events_closed', 'closed_on_time']) }},

at_the_time as (
    select
        unit_code as community_code,
        period_start as month_start,
        events_reported
    from {{ ref('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'community'
),

-- today's communities and months on either side: restated, or counted at the
-- time only (a community whose grids' counts all moved elsewhere that month)
-- with 0 restated; a retired community is in none of today's grids, so its
-- counts of the time stay in the marts of the time only
both_sides as (
    select
        coalesce(restated.community_code, at_the_time.community_code) as community_code,
        coalesce(restated.month_start, at_the_time.month_start) as month_start,
        restated.reports_received as restated_reports_received,
        restated.events_reported as restated_events_reported,
        restated.events_closed as restated_events_closed,
        restated.closed_on_time as restated_closed_on_time,
        at_the_time.events_reported as at_the_time_events_reported
    from restated
    full outer join at_the_time
        on
            restated.community_code = at_the_time.community_code
            and restated.month_start = at_the_time.month_start
    where
        restated.community_code is not null
        or at_the_time.community_code in (select current_grids.community_code from current_grids)
),

final as (
    select
        {{ dbt.hash(dbt.concat(['community_code', "'|'", as_string('month_start')])) }} as trend_key,
        {{ street_code_of('community_code') }} as street_code,
        community_code,
        month_start,
        cast(coalesce(restated_reports_received, 0) as bigint) as reports_received,
        cast(coalesce(restated_events_reported, 0) as bigint) as events_reported,
        cast(coalesce(restated_events_closed, 0) as bigint) as events_closed,
        cast(coalesce(restated_closed_on_time, 0) as bigint) as closed_on_time,
        cast(coalesce(at_the_time_events_reported, 0) as bigint) as events_reported_at_the_time
    from both_sides
)

select * from final
