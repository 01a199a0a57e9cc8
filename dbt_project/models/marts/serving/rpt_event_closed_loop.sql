-- Question: per grid, month, department and category, how many events came
-- in, were closed (on time), wait overdue, and how long did handling take?
-- Counted as rpt_event_performance counts them: duplicate reports
-- (fct_event_duplicates) are their own figure, outside `events` and the
-- rates; "overdue" is judged against the district's newest event milestone.
-- Every event counts: an unknown location is an unlocated member (未定位…)
-- of fct_event, and an event whose report state was not loaded counts in the
-- month of its first known state (Superset dataset rpt_event_closed_loop).
-- On TODAY's boundaries: a grid recoded, split or redrawn since is restated
-- through dim_geography_crosswalk (dated at the month's end) in whole events
-- (macro apportioned; handling hours by the share), so a trend does not
-- break at a change; rpt_event_performance keeps the boundaries of the time
-- (docs/GEOGRAPHY.md).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

data_as_of as (
    select {{ events_as_of_at() }} as as_of_at
    from {{ published('fct_event') }}
),

categories as (
    select
        category_code,
        min(category_name_zh) as category_name
    from {{ published('dim_event_category') }}
    group by category_code
),

flagged as (
    select
        events.*,
        coalesce(events.reported_at, events.first_known_at) as counted_at,
        duplicates.event_id is not null as is_duplicate_report
    from {{ published('fct_event') }} as events
    left join {{ published('fct_event_duplicates') }} as duplicates
        on events.event_id = duplicates.event_id
),

as_delivered as (
    select
        flagged.grid_code,
        cast({{ dbt.date_trunc('month', 'flagged.counted_at') }} as date) as month,  -- noqa: RF04
        coalesce(flagged.department_name, '未派遣') as department,
        coalesce(categories.category_name, flagged.category_code) as category,
        count(case when not flagged.is_duplicate_report then 1 end) as events,
        count(case when flagged.is_duplicate_report then 1 end) as duplicates,
        count(case when flagged.is_closed and not flagged.is_duplicate_report then 1 end) as closed,
        count(
            case when flagged.is_closed_on_time and not flagged.is_duplicate_report then 1 end
        ) as closed_on_time,
        count(
            case
                when
                    not flagged.is_closed
                    and not flagged.is_duplicate_report
                    and not coalesce(flagged.is_rejected, false)
                    and data_as_of.as_of_at > flagged.deadline_at
                    then 1
            end
        ) as overdue_backlog,
        sum(case when not flagged.is_duplicate_report then flagged.handling_hours end) as handling_hours,
        count(case when not flagged.is_duplicate_report then flagged.handling_hours end) as handled
    from flagged
    cross join data_as_of
    left join categories on flagged.category_code = categories.category_code
    where flagged.counted_at is not null
    group by
        flagged.grid_code,
        cast({{ dbt.date_trunc('month', 'flagged.counted_at') }} as date),
        coalesce(flagged.department_name, '未派遣'),
        coalesce(categories.category_name, flagged.category_code)
),

mapped as (
    select
        as_delivered.*,
        coalesce(crosswalk.current_code, as_delivered.grid_code) as current_grid_code,
        coalesce(crosswalk.population_share, 1) as population_share
    from as_delivered
    left join {{ published('dim_geography_crosswalk') }} as crosswalk
        on {{ crosswalk_applies(
            'crosswalk', 'grid', 'as_delivered.grid_code',
            dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'as_delivered.month'))) }}
),

restated as (
    select
        current_grid_code,
        month,  -- noqa: RF04
        department,
        category,
        {{ apportioned('events', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as events,
        {{ apportioned('duplicates', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as duplicates,
        {{ apportioned('closed', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as closed,
        {{ apportioned('closed_on_time', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as closed_on_time,
        {{ apportioned('overdue_backlog', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as overdue_backlog,
        handling_hours * population_share as handling_hours,
        {{ apportioned('handled', 'population_share', 'grid_code, month, department, category', 'current_grid_code') }}
            as handled
    from mapped
),

current_grids as (
    select
        grid_code,
        community_code
    from {{ published('dim_grid_version') }}
    where is_current
),

final as (
    select
        areas.street_code,
        areas.street_name,
        coalesce(current_grids.community_code, {{ community_code_of('restated.current_grid_code') }})
            as community_code,
        areas.community_name,
        restated.current_grid_code as grid_code,
        restated.month,  -- noqa: RF04
        restated.department,
        restated.category,
        cast(sum(restated.events) as bigint) as events,
        cast(sum(restated.duplicates) as bigint) as duplicates,
        cast(sum(restated.closed) as bigint) as closed,
        cast(sum(restated.closed_on_time) as bigint) as closed_on_time,
        cast(sum(restated.overdue_backlog) as bigint) as overdue_backlog,
        sum(restated.handling_hours) as handling_hours,
        cast(sum(restated.handled) as bigint) as handled
    from restated
    left join current_grids on restated.current_grid_code = current_grids.grid_code
    left join areas
        on
            coalesce(current_grids.community_code, {{ community_code_of('restated.current_grid_code') }})
            = areas.community_code
    group by
        areas.street_code,
        areas.street_name,
        coalesce(current_grids.community_code, {{ community_code_of('restated.current_grid_code') }}),
        areas.community_name,
        restated.current_grid_code,
        restated.month,
        restated.department,
        restated.category
)

select * from final
