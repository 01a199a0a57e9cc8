-- Every reference a department makes to a building: one row per source and
-- building code as delivered, and one per event that names no building but a
-- position (an app pin). Housing's own snapshots and rooms are the register;
-- rental filings, the population register and the grid channel name a room
-- (its first 17 digits are the building); market regulation and civil affairs
-- name premises; events name a building code and a position; the facilities
-- snapshot names a building code. docs/GOLDEN_RECORDS.md. The coded
-- references are added up from int_building_code_batches (one row per batch
-- and code, incremental), not grouped from every delivered row in each build.
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
        cast(sum(record_count) as bigint) as record_count
    from {{ ref('int_building_code_batches') }}
    group by building_source, department, building_code
),

-- an event's location as first reported (its lowest seq with a position)
event_rows as (
    select
        event_id,
        building_code,
        grid_code,
        longitude,
        latitude,
        delivery_date,
        row_number() over (
            partition by event_id
            order by
                case when longitude is null then 1 else 0 end nulls last,
                state_seq nulls last,
                delivery_date nulls last
        ) as position_rank
    from {{ ref('stg_events__event_state_changes') }}
),

events as (
    select
        event_id,
        max(building_code) as building_code,
        max(case when position_rank = 1 then grid_code end) as grid_code,
        max(case when position_rank = 1 then longitude end) as longitude,
        max(case when position_rank = 1 then latitude end) as latitude,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        count(*) as record_count
    from event_rows
    group by event_id
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
        count(*) as record_count
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
        record_count
    from events
    where building_code is null and longitude is not null and latitude is not null
),

final as (
    select * from by_code
    union all
    select * from event_codes
    union all
    select * from event_positions
)

select * from final
