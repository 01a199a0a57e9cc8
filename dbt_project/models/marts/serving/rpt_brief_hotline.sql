-- Question (weekly brief, section 12345 市民热线): in the newest month of
-- tickets, how many tickets came in, how many became grid events, how fast
-- did someone first act on them and how satisfied were the callers? The
-- district's brief lists its streets, a street's brief its communities
-- (rpt_event_performance's month rows, the same figures as the ranking).
-- Tickets that became no event are on the unlocated members (未定位), listed
-- first. Ratings are persons' answers: a unit with fewer ratings than the
-- disclosure threshold shows none (withheld on the serving copy).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

streets as (
    {{ current_streets() }}
),

performance as (
    select * from {{ published('rpt_event_performance') }}
    where period_type = 'month'
),

newest as (
    select max(period_start) as period_start
    from performance
    where unit_level = 'district' and hotline_tickets > 0
),

months as (
    select
        case
            when performance.unit_level = 'street' then 'district'
            else areas.street_code
        end as brief_area,
        performance.period_start as month_start,
        performance.unit_code,
        coalesce(
            case when performance.unit_level = 'street' then streets.street_name else areas.community_name end,
            performance.unit_code
        ) as area,
        performance.hotline_tickets as tickets,
        performance.hotline_tickets_to_events as tickets_to_events,
        round(performance.hotline_event_share, 4) as event_share,
        round(performance.hotline_median_response_minutes, 1) as median_response_minutes,
        performance.hotline_rated_tickets as rated_tickets,
        round(performance.hotline_avg_satisfaction, 2) as mean_satisfaction,
        round(performance.hotline_satisfaction_rate, 4) as satisfied_share,
        performance.hotline_repeat_tickets as repeat_tickets,
        (
            substr(performance.unit_code, 7, 3) = '999' or substr(performance.unit_code, 10, 3) = '999'
        ) as is_unlocated
    from performance
    inner join newest on performance.period_start = newest.period_start
    left join areas on performance.unit_code = areas.community_code
    left join streets on performance.unit_code = streets.street_code
    where performance.unit_level in ('street', 'community')
),

final as (
    select
        brief_area,
        {{ brief_order('tickets') }} as brief_order,
        unit_code,
        area,
        month_start,
        tickets,
        tickets_to_events,
        event_share,
        median_response_minutes,
        rated_tickets,
        mean_satisfaction,
        satisfied_share,
        repeat_tickets
    from months
    where brief_area is not null and tickets > 0
)

select * from final
