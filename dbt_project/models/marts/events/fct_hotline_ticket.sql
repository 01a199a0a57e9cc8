-- 12345 市民热线 one row per hotline ticket: the grid event it became (the
-- contract's event_id, docs/FEEDS.md section 5), where and by whom that event
-- was handled, the response time to first contact, the caller's satisfaction
-- and whether an earlier ticket about the same place came in the 30 days
-- before. Person-grain (one citizen's call and rating): built in `internal`,
-- published only as the counts of rpt_hotline_tickets and the hotline
-- measures of rpt_event_performance. No phone, name, call text or address
-- text leaves staging: the place is a building code or a keyed pseudonym of
-- the address.
--
-- Rebuilt in full every run (like fct_event_duplicates): a ticket's location
-- comes from its event, which a later delivery may bring, and whether it
-- repeats depends on the other tickets.
--
-- Location: the linked event's conformed grid, community and street
-- (fct_event). A ticket that became no event (a consultation answered by the
-- hotline), or whose event is not loaded, is counted on the unlocated members
-- (macros/geography.sql), never dropped: district = Σ streets = Σ communities
-- = Σ grids (rpt_hotline_tickets, rpt_event_performance).
with

tickets as (
    select * from {{ ref('stg_events__hotline_tickets') }}
),

events as (
    select * from {{ ref('fct_event') }}
),

categories as (
    select * from {{ ref('dim_event_category') }}
),

latest_ticket as (
    -- a ticket delivered twice (an exact repeat, a re-delivery) counts once:
    -- its newest loaded row wins
    select * from tickets
    qualify row_number() over (
        partition by ticket_id
        order by loaded_at desc, delivery_date desc, source_row_id desc
    ) = 1
),

linked as (
    select
        latest_ticket.ticket_id,
        latest_ticket.received_at,
        latest_ticket.ticket_category,
        nullif(trim(latest_ticket.event_id), '') as event_id,
        case when latest_ticket.satisfaction_score between 1 and 5 then latest_ticket.satisfaction_score end
            as satisfaction_score,
        -- the place: the linked event's building, else the address as typed
        -- (keyed pseudonym: the text may be a caller's home address)
        case
            when events.building_code is not null then {{ dbt.concat(["'building:'", 'events.building_code']) }}
            when nullif(trim(latest_ticket.address_text), '') is not null
                then {{ dbt.concat(["'address:'", pseudonym('latest_ticket.address_text')]) }}
        end as place_key,
        events.event_id is not null as is_event_loaded,
        events.category_code,
        categories.category_name_zh as event_category_name,
        events.department_name,
        events.grid_code as event_grid_code,
        events.community_code as event_community_code,
        events.street_code as event_street_code,
        events.unlocated_reason as event_unlocated_reason,
        -- first contact: the first action on the citizen's request after the
        -- hand-over to the grid system (立案 registered, else 派遣 dispatched,
        -- else 处置 handled); the event's report is the hotline's own hand-over
        least(events.registered_at, events.dispatched_at, events.first_handled_at) as first_contact_at,
        latest_ticket.delivery_date,
        latest_ticket.loaded_at
    from latest_ticket
    left join events on nullif(trim(latest_ticket.event_id), '') = events.event_id
    left join categories on events.category_code = categories.category_code
),

located as (
    select
        linked.*,
        coalesce(linked.event_grid_code, {{ unlocated_grid_of_community(unlocated_community_of_street(unlocated_street_code())) }})
            as grid_code,
        coalesce(linked.event_community_code, {{ unlocated_community_of_street(unlocated_street_code()) }})
            as community_code,
        coalesce(linked.event_street_code, {{ unlocated_street_code() }}) as street_code,
        case
            when linked.event_id is null then 'no_event'
            when not linked.is_event_loaded then 'event_not_loaded'
            else linked.event_unlocated_reason
        end as unlocated_reason
    from linked
),

repeats as (
    select
        located.*,
        lag(located.received_at) over (
            partition by located.place_key
            order by located.received_at asc nulls last, located.ticket_id asc nulls last
        ) as previous_place_ticket_at
    from located
),

final as (
    select
        ticket_id,
        received_at,
        cast(received_at as date) as received_date,
        event_id,
        event_id is not null as is_linked_to_event,
        is_event_loaded,
        category_code,
        coalesce(event_category_name, nullif(trim(ticket_category), ''), '未分类') as category_name,
        ticket_category,
        coalesce(department_name, '未派单') as department_name,
        department_name is null as is_unassigned,
        grid_code,
        community_code,
        street_code,
        unlocated_reason,
        first_contact_at,
        case
            when first_contact_at >= received_at then {{ hours_between('received_at', 'first_contact_at') }} * 60
        end as response_minutes,
        coalesce(first_contact_at < received_at, false) as is_contact_before_received,
        satisfaction_score,
        satisfaction_score is not null as is_rated,
        coalesce(satisfaction_score >= 4, false) as is_satisfied,
        coalesce(satisfaction_score <= 2, false) as is_dissatisfied,
        place_key,
        previous_place_ticket_at,
        coalesce(
            place_key is not null
            and previous_place_ticket_at is not null
            and received_at <= {{ dbt.dateadd('day', 30, 'previous_place_ticket_at') }},
            false
        ) as is_repeat_within_30_days,
        delivery_date,
        loaded_at
    from repeats
)

select * from final
