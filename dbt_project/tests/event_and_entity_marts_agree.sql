-- Conservation of events and entities (issue 12): every event of fct_event,
-- every 12345 ticket delivered (issue 13) and
-- every active legal entity of dim_legal_entity is counted once in the marts
-- that count them by place, whatever its location (unknown locations are the
-- unlocated members). Per-level sums inside one mart are tested by
-- conserved_across_levels; this test ties each mart's total to its
-- dimension, so a fact dropped at every level alike is caught too. A row
-- returned names a mart, a measure (and a period) whose total differs.
with

events as (
    select
        event_id,
        cast({{ dbt.date_trunc('month', 'coalesce(reported_at, first_known_at)') }} as date) as period_start
    from {{ ref('fct_event') }}
),

duplicates as (
    select event_id from {{ ref('fct_event_duplicates') }}
),

event_months as (
    select
        events.period_start,
        count(*) as reports_received,
        count(duplicates.event_id) as duplicate_events
    from events
    left join duplicates on events.event_id = duplicates.event_id
    group by events.period_start
),

performance as (
    -- one row per district the data reach: the warehouse's total is their sum
    select
        period_start,
        sum(reports_received) as reports_received,
        sum(duplicate_events) as duplicate_events
    from {{ ref('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'district'
    group by period_start
),

hotline_months as (
    select
        cast({{ dbt.date_trunc('month', 'received_at') }} as date) as period_start,
        count(*) as hotline_tickets
    from {{ ref('fct_hotline_ticket') }}
    group by cast({{ dbt.date_trunc('month', 'received_at') }} as date)
),

hotline_delivered as (
    -- every delivered ticket id is a ticket of the fact, once
    select count(distinct ticket_id) as hotline_tickets
    from {{ ref('stg_events__hotline_tickets') }}
),

hotline_marts as (
    select
        hotline_months.period_start,
        hotline_months.hotline_tickets,
        coalesce(performance.hotline_tickets, 0) as performance_tickets,
        coalesce(cells.tickets_received, 0) as cell_tickets
    from hotline_months
    left join (
        select period_start, sum(hotline_tickets) as hotline_tickets from {{ ref('rpt_event_performance') }}
        where period_type = 'month' and unit_level = 'district'
        group by period_start
    ) as performance on hotline_months.period_start = performance.period_start
    left join (
        select month_start, sum(tickets_received) as tickets_received from {{ ref('rpt_hotline_tickets') }}
        group by month_start
    ) as cells on hotline_months.period_start = cells.month_start
),

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current and is_active
),

-- certified social workers: every organisation's and open social-work
-- station's, once per building where both name it (the larger source)
social_worker_buildings as (
    select
        coalesce(building, place) as place_key,
        greatest(sum(organisation_workers), sum(station_workers)) as workers
    from (
        select
            premises_building_code as building,
            uscc as place,
            certified_social_workers as organisation_workers,
            0 as station_workers
        from entities
        where registry = 'civil_affairs' and certified_social_workers > 0
        union all
        select
            building_code as building,
            facility_id as place,
            0 as organisation_workers,
            licensed_social_workers as station_workers
        from {{ ref('dim_facility') }}
        where is_open and facility_type = 'social_work_station' and licensed_social_workers > 0
    ) as sources
    group by coalesce(building, place)
),

entity_totals as (
    select
        count(*) as active_entity_count,
        count(*) filter (where registry = 'civil_affairs') as social_organisation_count,
        (select coalesce(sum(workers), 0) from social_worker_buildings) as certified_social_worker_count,
        count(*) filter (where industry_section = 'P') as education_unit_count,
        count(*) filter (where industry_section = 'Q') as health_social_work_unit_count
    from entities
),

pressure as (
    select
        sum(social_organisation_count) as social_organisation_count,
        sum(certified_social_worker_count) as certified_social_worker_count,
        sum(education_unit_count) as education_unit_count,
        sum(health_social_work_unit_count) as health_social_work_unit_count
    from {{ ref('rpt_public_service_pressure') }}
),

headline as (
    select sum(active_entity_count) as active_entity_count
    from {{ ref('rpt_headline_figures') }}
    where unit_level = 'district'
),

compared as (
    {% for measure in ['reports_received', 'duplicate_events'] %}
        select
            'rpt_event_performance (district, month)' as mart,
            '{{ measure }}' as measure,
            coalesce(event_months.period_start, performance.period_start) as period_start,
            coalesce(performance.{{ measure }}, 0) as mart_total,
            coalesce(event_months.{{ measure }}, 0) as dimension_total
        from event_months
        full outer join performance on event_months.period_start = performance.period_start
        union all
    {% endfor %}
    {% for measure in ['social_organisation_count', 'certified_social_worker_count',
                       'education_unit_count', 'health_social_work_unit_count'] %}
        select
            'rpt_public_service_pressure (sum over streets)' as mart,
            '{{ measure }}' as measure,
            cast(null as date) as period_start,
            coalesce(pressure.{{ measure }}, 0) as mart_total,
            entity_totals.{{ measure }} as dimension_total
        from entity_totals
        cross join pressure
        union all
    {% endfor %}
    select
        'rpt_event_performance (district, month)' as mart,
        'hotline_tickets' as measure,
        period_start,
        performance_tickets as mart_total,
        hotline_tickets as dimension_total
    from hotline_marts
    union all
    select
        'rpt_hotline_tickets (sum of cells, month)' as mart,
        'tickets_received' as measure,
        period_start,
        cell_tickets as mart_total,
        hotline_tickets as dimension_total
    from hotline_marts
    union all
    select
        'fct_hotline_ticket (all months)' as mart,
        'tickets' as measure,
        cast(null as date) as period_start,
        (select coalesce(sum(hotline_tickets), 0) from hotline_months) as mart_total,
        hotline_delivered.hotline_tickets as dimension_total
    from hotline_delivered
    union all
    select
        'rpt_headline_figures (district)' as mart,
        'active_entity_count' as measure,
        cast(null as date) as period_start,
        coalesce(headline.active_entity_count, 0) as mart_total,
        entity_totals.active_entity_count as dimension_total
    from entity_totals
    cross join headline
)

select * from compared
where mart_total <> dimension_total
