-- Every reference a department makes to a building: one row per source and
-- building code as delivered, and one per event that names no building but a
-- position (an app pin). Housing's own snapshots and rooms are the register;
-- rental filings, the population register and the grid channel name a room
-- (its first 17 digits are the building); market regulation and civil affairs
-- name premises; events name a building code and a position; the facilities
-- snapshot names a building code. docs/GOLDEN_RECORDS.md. The coded
-- references are added up from int_building_code_batches (one row per batch
-- and code, incremental), and the events' from int_event_locations (one row
-- per event, incremental), not grouped from every delivered row in each build.
-- A position carries the evidence int_event_locations found for it (nearest
-- building, next nearest distance, the building its description names), which
-- int_building_matches decides by; a code carries none.
{%- set no_position_evidence -%}
    cast(null as {{ dbt.type_string() }}) as nearest_building_code,
        cast(null as double) as nearest_distance_m,
        cast(null as double) as next_distance_m,
        cast(null as {{ dbt.type_string() }}) as described_building_code,
        cast(null as double) as described_distance_m
{%- endset %}

with

-- the coded mentions, added up over the live batches (int_building_code_batches
-- holds each batch's part, written once when the batch is loaded)
by_code as (
    select
        building_source,
        department,
        building_code as mention_id,
        building_code as delivered_code,
        min(grid_code) as grid_code,
        cast(sum(longitude_sum) as double) / nullif(sum(longitude_count), 0) as longitude,
        cast(sum(latitude_sum) as double) / nullif(sum(latitude_count), 0) as latitude,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        cast(sum(record_count) as bigint) as record_count,
        {{ no_position_evidence }}
    from {{ ref('int_building_code_batches') }}
    group by building_source, department, building_code
),

-- each event's building code or first reported position (int_event_locations,
-- incremental per event): not every state change ever delivered, ranked again
events as (
    select * from {{ ref('int_event_locations') }}
),

event_codes as (
    select
        'events' as building_source,
        'events' as department,
        building_code as mention_id,
        building_code as delivered_code,
        min(grid_code) as grid_code,
        avg(longitude) as longitude,
        avg(latitude) as latitude,
        min(first_seen_on) as first_seen_on,
        max(last_seen_on) as last_seen_on,
        count(*) as record_count,
        {{ no_position_evidence }}
    from events
    where building_code is not null
    group by building_code
),

event_positions as (
    select
        'events' as building_source,
        'events' as department,
        event_id as mention_id,
        cast(null as {{ dbt.type_string() }}) as delivered_code,
        grid_code,
        longitude,
        latitude,
        first_seen_on,
        last_seen_on,
        record_count,
        nearest_building_code,
        nearest_distance_m,
        next_distance_m,
        described_building_code,
        described_distance_m
    from events
    where is_position_mention
),

final as (
    select * from by_code
    union all
    select * from event_codes
    union all
    select * from event_positions
)

select * from final
