-- 事件流转 one row per state change of an event, in seq order (not arrival
-- order), with the state it left and the time since.
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

with

state_changes as (
    -- every state of each event a new delivery touched: lag() needs them all
    select * from {{ ref('int_event_state_changes') }}
    {{ where_touched_since_watermark(ref('int_event_state_changes'), 'event_id', 'loaded_at') }}
),

final as (
    select
        transition_id,
        event_id,
        state_seq,
        lag(event_state) over (partition by event_id order by state_seq nulls last) as from_state,
        event_state as to_state,
        state_at,
        lag(state_at) over (partition by event_id order by state_seq nulls last) as previous_state_at,
        {{ hours_between(
            'lag(state_at) over (partition by event_id order by state_seq nulls last)', 'state_at'
        ) }} as hours_since_previous,
        department_name,
        deadline_at,
        merged_into_event_id,
        is_late_arrival,
        -- time runs backwards against seq: a data defect, kept and flagged
        coalesce(
            state_at < lag(state_at) over (partition by event_id order by state_seq nulls last), false
        ) as is_time_before_previous,
        delivery_date,
        loaded_at
    from state_changes
)

select * from final
