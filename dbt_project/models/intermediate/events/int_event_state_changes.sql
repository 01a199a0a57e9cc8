-- One row per (event, seq): a state change delivered twice keeps its latest
-- delivery. Arrival order is irrelevant from here on; seq orders an event.
with

state_changes as (
    select * from {{ ref('stg_events__event_state_changes') }}
),

deduplicated as (
    select
        {{ dbt.concat(['event_id', "'#'", as_string('state_seq')]) }} as transition_id,
        event_id,
        state_seq,
        event_state,
        state_at,
        category_code,
        report_channel,
        grid_code,
        building_code,
        longitude,
        latitude,
        department_name,
        deadline_at,
        merged_into_event_id,
        delivery_date,
        loaded_at,
        -- a state delivered in a later day's file than the day it happened
        delivery_date > cast(state_at as date) as is_late_arrival
    from state_changes
    qualify row_number() over (
        partition by event_id, state_seq
        order by delivery_date desc, loaded_at desc, source_row_number desc
    ) = 1
)

select * from deduplicated
