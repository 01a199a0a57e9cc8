-- Question (weekly brief, section 事件闭环): were each week's grid events closed
-- on time, and who lags? The district's brief ranks its streets, a street's
-- brief its communities (rpt_event_performance, week rows). Duplicate reports
-- are counted apart, outside the events and the rates; a unit that closed
-- nothing has no score. The unlocated street <district>999000 or community
-- <street>999 (未定位) comes first (brief_order): its events are counted, so
-- they are shown.
with

areas as (
    select * from {{ published('dim_community_current') }}
),

streets as (
    {{ current_streets() }}
),

weeks as (
    select
        case
            when performance.unit_level = 'street' then 'district'
            else areas.street_code
        end as brief_area,
        performance.period_start,
        performance.unit_code,
        coalesce(
            case when performance.unit_level = 'street' then streets.street_name else areas.community_name end,
            performance.unit_code
        ) as area,
        performance.events_reported,
        performance.duplicate_events,
        performance.events_closed,
        round(performance.closed_on_time_rate, 3) as closed_on_time_rate,
        round(performance.assessment_score, 1) as assessment_score,
        performance.assessment_rank,
        (
            substr(performance.unit_code, 7, 3) = '999' or substr(performance.unit_code, 10, 3) = '999'
        ) as is_unlocated
    from {{ published('rpt_event_performance') }} as performance
    left join areas on performance.unit_code = areas.community_code
    left join streets on performance.unit_code = streets.street_code
    where
        performance.period_type = 'week'
        and performance.unit_level in ('street', 'community')
),

final as (
    select
        brief_area,
        period_start,
        cast(row_number() over (
            partition by brief_area, period_start
            order by is_unlocated desc, events_reported desc nulls last, unit_code asc nulls last
        ) as bigint) as brief_order,
        unit_code,
        area,
        events_reported,
        duplicate_events,
        events_closed,
        closed_on_time_rate,
        assessment_score,
        assessment_rank
    from weeks
    where brief_area is not null
)

select * from final
