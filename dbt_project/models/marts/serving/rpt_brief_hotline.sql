-- Question (weekly brief, section 12345 市民热线): in the newest month of
-- tickets, how many citizens called, how many calls became grid events, how
-- fast did someone first act on them and how satisfied were the callers? The
-- district's brief lists its streets, a street's brief its communities
-- (rpt_hotline_tickets, the dashboard's dataset; sums of published cells).
-- Tickets that became no event are on the unlocated members (未定位).
with

tickets as (
    select * from {{ published('rpt_hotline_tickets') }}
),

newest as (
    select max(month_start) as month_start from tickets
),

month_tickets as (
    select tickets.*
    from tickets
    inner join newest on tickets.month_start = newest.month_start
),

by_street as (
    select
        'district' as brief_area,
        street_code as unit_code,
        min(street_name) as area,
        coalesce(substr(street_code, 7, 3), '999') = '999' as is_unlocated,
        min(month_start) as month_start,
        sum(tickets_received) as tickets,
        sum(tickets_to_events) as tickets_to_events,
        sum(responded_tickets) as responded_tickets,
        sum(response_minutes_sum) as response_minutes_sum,
        sum(rated_tickets) as rated_tickets,
        sum(satisfaction_sum) as satisfaction_sum,
        sum(satisfied_tickets) as satisfied_tickets,
        sum(repeat_tickets) as repeat_tickets
    from month_tickets
    group by street_code
),

by_community as (
    select
        street_code as brief_area,
        community_code as unit_code,
        min(community_name) as area,
        coalesce(substr(community_code, 10, 3), '999') = '999' as is_unlocated,
        min(month_start) as month_start,
        sum(tickets_received) as tickets,
        sum(tickets_to_events) as tickets_to_events,
        sum(responded_tickets) as responded_tickets,
        sum(response_minutes_sum) as response_minutes_sum,
        sum(rated_tickets) as rated_tickets,
        sum(satisfaction_sum) as satisfaction_sum,
        sum(satisfied_tickets) as satisfied_tickets,
        sum(repeat_tickets) as repeat_tickets
    from month_tickets
    group by street_code, community_code
),

unioned as (
    select * from by_street
    union all
    select * from by_community
),

final as (
    select
        brief_area,
        row_number() over (
            partition by brief_area
            order by is_unlocated desc, tickets desc nulls last, unit_code asc nulls last
        ) as brief_order,
        unit_code,
        coalesce(area, unit_code, '未定位') as area,
        month_start,
        cast(tickets as bigint) as tickets,
        cast(tickets_to_events as bigint) as tickets_to_events,
        round(cast(tickets_to_events as double) / nullif(tickets, 0), 4) as event_share,
        round(response_minutes_sum / nullif(responded_tickets, 0), 1) as mean_response_minutes,
        cast(rated_tickets as bigint) as rated_tickets,
        round(cast(satisfaction_sum as double) / nullif(rated_tickets, 0), 2) as mean_satisfaction,
        round(cast(satisfied_tickets as double) / nullif(rated_tickets, 0), 4) as satisfied_share,
        cast(repeat_tickets as bigint) as repeat_tickets
    from unioned
    where brief_area is not null
)

select * from final
