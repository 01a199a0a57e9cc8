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
