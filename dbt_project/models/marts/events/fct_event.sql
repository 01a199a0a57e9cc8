-- 实有事件 accumulating snapshot: one row per event with the milestones of the
-- closed loop (上报 → 立案 → 派遣 → 处置 → 核查 → 结案), its deadline, on-time
-- flags, rework and reopen counts and the duplicate link. Built from state
-- changes ordered by seq, so late and out-of-order deliveries land correctly.
-- Every event has a grid, community and street: unknown levels are the
-- unlocated members (macros/geography.sql), so each event counts once at
-- every level of rpt_event_performance.
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental: a delivery re-derives exactly the events it touched (watermark:
-- the ingest's loaded_at, so a same-day corrected re-delivery counts too). Overdue is
-- relative to "now", so it lives in rpt_event_performance, not here: an
-- untouched row must stay identical to a full rebuild.
with

state_changes as (
    select * from {{ ref('int_event_state_changes') }}
    {{ where_touched_since_watermark(ref('int_event_state_changes'), 'event_id', 'last_loaded_at') }}
    {%- if is_incremental() %}
        -- and every event on an unlocated member, each run: a later grid list may
        -- know its grid (rows are unique per event and seq, so union keeps each once)
        union
        select * from {{ ref('int_event_state_changes') }}
        where event_id in (
            select unlocated.event_id from {{ this }} as unlocated
            where unlocated.unlocated_reason is not null
        )
    {%- endif %}
),

milestones as (
    select
        event_id,
        min(state_at) filter (where event_state = 'reported') as reported_at,
        min(state_at) filter (where event_state = 'registered') as registered_at,
        min(state_at) filter (where event_state = 'dispatched') as dispatched_at,
        min(state_at) filter (where event_state = 'handled') as first_handled_at,
        max(state_at) filter (where event_state = 'handled') as handled_at,
        max(state_at) filter (where event_state = 'verified') as verified_at,
        min(state_at) filter (where event_state = 'closed') as first_closed_at,
        max(state_seq) filter (where event_state = 'closed') as last_closed_seq,
        max(state_seq) filter (where event_state = 'reopened') as last_reopened_seq,
        max_by(state_at, state_seq) filter (where event_state = 'closed') as last_closed_at,
        max_by(deadline_at, state_seq) filter (where deadline_at is not null) as deadline_at,
        max_by(merged_into_event_id, state_seq) filter (where event_state = 'merged') as merged_into_event_id,
        min_by(category_code, state_seq) filter (where category_code is not null) as category_code,
        min_by(report_channel, state_seq) filter (where report_channel is not null) as report_channel,
        min_by(grid_code, state_seq) filter (where grid_code is not null) as grid_code,
        min_by(building_code, state_seq) filter (where building_code is not null) as building_code,
        min_by(longitude, state_seq) filter (where longitude is not null) as longitude,
        min_by(latitude, state_seq) filter (where latitude is not null) as latitude,
        max_by(department_name, state_seq) filter (where department_name is not null) as department_name,
        max_by(event_state, state_seq) as current_state,
        count(*) filter (where event_state = 'handled') as handled_count,
        count(*) filter (where event_state = 'reopened') as reopen_count,
        count(*) filter (where event_state = 'rejected') > 0 as is_rejected,
        count(*) filter (where is_late_arrival) as late_state_count,
        count(*) as state_count,
        min(state_at) as first_known_at,
        max(state_seq) as last_seq,
        max(delivery_date) as last_delivery_date,
        max(loaded_at) as last_loaded_at
    from state_changes
    group by event_id
),

closing as (
    -- a close counts only if no reopening came after it
    select
        milestones.*,
        milestones.last_closed_seq is not null
        and (milestones.last_reopened_seq is null or milestones.last_closed_seq > milestones.last_reopened_seq) as is_closed
    from milestones
),

previous_to_close as (
    select
        state_changes.event_id,
        max(previous.state_at) as previous_state_at
    from state_changes
    inner join closing
        on
            state_changes.event_id = closing.event_id
            and state_changes.state_seq = closing.last_closed_seq
    inner join state_changes as previous
        on
            state_changes.event_id = previous.event_id
            and previous.state_seq = state_changes.state_seq - 1
    group by state_changes.event_id
),

final as (
    select
        closing.event_id,
        closing.category_code,
        closing.report_channel,
        -- conformed location (macros/geography.sql): an event whose grid,
        -- community or street is unknown is counted on the unlocated member
        -- of that level, never dropped; the grid as reported is kept beside it
        {{ located_grid('loc') }} as grid_code,
        {{ located_community('loc') }} as community_code,
        {{ street_code_of(located_community('loc')) }} as street_code,
        {{ unlocated_reason('coalesce(closing.grid_code, closing.building_code)', 'loc', 'unknown_grid_code') }}
            as unlocated_reason,
        closing.grid_code as reported_grid_code,
        closing.building_code,
        closing.longitude,
        closing.latitude,
        closing.department_name,
        closing.current_state,
        closing.reported_at,
        -- the earliest state known: the period of an event whose report state was not loaded
        closing.first_known_at,
        closing.registered_at,
        closing.dispatched_at,
        closing.first_handled_at,
        closing.handled_at,
        closing.verified_at,
        closing.first_closed_at,
        case when closing.is_closed then closing.last_closed_at end as closed_at,
        closing.is_closed,
        {{ event_deadline('closing.deadline_at', 'closing.dispatched_at', 'closing.reported_at') }} as deadline_at,
        closing.deadline_at is null as is_deadline_defaulted,
        {{ event_dispatched_on_time('closing.dispatched_at', 'coalesce(closing.registered_at, closing.reported_at)') }}
            as is_dispatched_on_time,
        {{ event_on_time(
            'closing.first_handled_at',
            event_deadline('closing.deadline_at', 'closing.dispatched_at', 'closing.reported_at')
        ) }} as is_handled_on_time,
        {{ event_on_time(
            'case when closing.is_closed then closing.last_closed_at end',
            event_deadline('closing.deadline_at', 'closing.dispatched_at', 'closing.reported_at')
        ) }} as is_closed_on_time,
        {{ hours_between('closing.dispatched_at', 'closing.first_handled_at') }} as handling_hours,
        {{ hours_between('closing.reported_at', 'case when closing.is_closed then closing.last_closed_at end') }} as resolution_hours,
        greatest(closing.handled_count - 1, 0) as rework_count,
        closing.reopen_count,
        closing.merged_into_event_id,
        closing.merged_into_event_id is not null as is_duplicate,
        closing.is_rejected,
        coalesce(closing.first_closed_at < closing.reported_at, false) as is_closed_before_reported,
        coalesce(closing.last_closed_at = previous_to_close.previous_state_at, false) as is_closed_at_previous_update,
        closing.late_state_count,
        closing.state_count,
        closing.last_seq,
        closing.last_delivery_date,
        closing.last_loaded_at
    from closing
    left join previous_to_close on closing.event_id = previous_to_close.event_id
    {{ location_joins('coalesce(closing.grid_code, closing.building_code)', 'closing.grid_code', 'loc') }}
)

select * from final
