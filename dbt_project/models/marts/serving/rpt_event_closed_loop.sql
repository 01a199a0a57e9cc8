-- Question: per grid, month, department and category, how many events came
-- in, were closed (on time), wait overdue, and how long did handling take?
-- Counted as rpt_event_performance counts them: duplicate reports
-- (fct_event_duplicates) are their own figure, outside `events` and the
-- rates; "overdue" is judged against the district's newest event milestone.
-- Every event counts: an unknown location is an unlocated member (未定位…)
-- of fct_event, and an event whose report state was not loaded counts in the
-- month of its first known state (Superset dataset rpt_event_closed_loop).
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

final as (
    select
        areas.street_code,
        areas.street_name,
        flagged.community_code,
        areas.community_name,
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
    left join areas on flagged.community_code = areas.community_code
    where flagged.counted_at is not null
    group by
        areas.street_code,
        areas.street_name,
        flagged.community_code,
        areas.community_name,
        flagged.grid_code,
        cast({{ dbt.date_trunc('month', 'flagged.counted_at') }} as date),
        coalesce(flagged.department_name, '未派遣'),
        coalesce(categories.category_name, flagged.category_code)
)

select * from final
