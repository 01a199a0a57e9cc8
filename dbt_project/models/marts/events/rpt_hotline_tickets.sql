-- Question: how many 12345 hotline tickets does each street, community, grid,
-- department and category get per month, how many became grid events, how
-- fast was the first contact, how satisfied were the callers, and how often
-- does the same place call again within 30 days? One row per month × grid ×
-- department × category with additive counts (and sums for the averages), so
-- a dashboard groups by any of them and every total adds up: every ticket of
-- fct_hotline_ticket is counted exactly once, on the unlocated members when
-- its location is unknown (a consultation that became no event), under 未派单
-- when no department handled it (test event_and_entity_marts_agree).
with

tickets as (
    select * from {{ ref('fct_hotline_ticket') }}
),

communities as (
    select * from {{ ref('dim_community') }}
),

cells as (
    select
        cast({{ dbt.date_trunc('month', 'received_at') }} as date) as month_start,
        grid_code,
        community_code,
        street_code,
        department_name,
        category_name,
        count(*) as tickets_received,
        count(*) filter (where is_linked_to_event) as tickets_to_events,
        count(*) filter (where unlocated_reason is not null) as unlocated_tickets,
        count(response_minutes) as responded_tickets,
        coalesce(sum(response_minutes), 0) as response_minutes_sum,
        count(*) filter (where is_rated) as rated_tickets,
        cast(coalesce(sum(satisfaction_score), 0) as bigint) as satisfaction_sum,
        count(*) filter (where is_satisfied) as satisfied_tickets,
        count(*) filter (where is_dissatisfied) as dissatisfied_tickets,
        count(*) filter (where is_repeat_within_30_days) as repeat_tickets
    from tickets
    group by
        cast({{ dbt.date_trunc('month', 'received_at') }} as date),
        grid_code, community_code, street_code, department_name, category_name
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            as_string('cells.month_start'), "'|'", 'cells.grid_code', "'|'",
            'cells.department_name', "'|'", 'cells.category_name'])) }} as hotline_cell_key,
        cells.month_start,
        cells.street_code,
        communities.street_name,
        cells.community_code,
        communities.community_name,
        cells.grid_code,
        cells.department_name,
        cells.category_name,
        cells.tickets_received,
        cells.tickets_to_events,
        cells.unlocated_tickets,
        cells.responded_tickets,
        cells.response_minutes_sum,
        cells.rated_tickets,
        cells.satisfaction_sum,
        cells.satisfied_tickets,
        cells.dissatisfied_tickets,
        cells.repeat_tickets
    from cells
    left join communities on cells.community_code = communities.community_code
)

select * from final
