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

-- today's communities and months on either side (macro restated_beside_the_time)
{{ restated_beside_the_time(
    ['reports_received', 'events_reported', 'events_closed', 'closed_on_time'],
    'events_reported',
    'events_reported_at_the_time',
) }}

select * from final
