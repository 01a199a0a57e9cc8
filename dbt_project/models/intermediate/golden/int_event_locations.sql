-- 事件定位 where each grid event says it happened, one row per event: the
-- building code it names (if any), the position it was first reported at (its
-- lowest seq with a position), when it was seen and, for an event that names
-- no building but a position (an app pin), the buildings of its community
-- near that position - the evidence int_building_matches decides by
-- (docs/GOLDEN_RECORDS.md):
--   nearest     the nearest building of the community (ties: the smallest
--               code) and the distance of the next nearest
--   described   a building of the community within
--               var('golden_building_max_metres') whose registered address
--               the report's description names (the longest address named;
--               two of the same length decide nothing)
-- int_building_mentions counts the events' building codes and positions from
-- here, so no build ranks every state change ever delivered.
--
-- Incremental per event: a build re-derives the events a load since the
-- watermark touched (all their state changes, as fct_event), and every event
-- when dim_building changed since the last build (a housing snapshot or rooms
-- delivery re-derives every building, with a new snapshot_loaded_at, kept here
-- as buildings_loaded_at). An event's row depends only on its own state
-- changes, its description and its community's buildings, so an untouched
-- event's row is what a full rebuild would write. A daily build measures the
-- distances of the day's events, not of every event ever reported (district:
-- 67 k positions x ~100 buildings of their community after a week, growing by
-- every day's events).
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

{%- set every_event = has_loads_since_watermark(
    [ref('dim_building')], 'buildings_loaded_at', 'snapshot_loaded_at'
) %}
{%- set max_metres = var('golden_building_max_metres') %}

with

-- the state changes of the events to (re-)derive
event_rows as (
    select
        event_id,
        building_code,
        grid_code,
        longitude,
        latitude,
        delivery_date,
        loaded_at,
        event_description,
        row_number() over (
            partition by event_id
            order by
                case when longitude is null then 1 else 0 end nulls last,
                state_seq nulls last,
                delivery_date nulls last
        ) as position_rank
    from {{ ref('stg_events__event_state_changes') }}
    {%- if not every_event %}
    {{ where_touched_since_watermark(ref('stg_events__event_state_changes'), 'event_id', 'loaded_at') }}
    {%- endif %}
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
        count(*) as record_count,
        max(loaded_at) as loaded_at
    from event_rows
    group by event_id
),

buildings as (
    select
        building_code,
        community_code,
        address,
        longitude,
        latitude
    from {{ ref('dim_building') }}
),

buildings_loaded as (
    select max(snapshot_loaded_at) as buildings_loaded_at
    from {{ ref('dim_building') }}
),

-- what the reports say (free text by the contract): only compared with the
-- registered addresses, never kept
descriptions as (
    select distinct
        event_id,
        event_description
    from event_rows
    where event_description is not null
),

positions as (
    select * from events
    where building_code is null and longitude is not null and latitude is not null
),

distances as (
    select
        positions.event_id,
        buildings.building_code,
        {{ distance_m('positions.longitude', 'positions.latitude', 'buildings.longitude', 'buildings.latitude') }}
            as distance_m
    from positions
    inner join buildings
        on
            substr(positions.grid_code, 1, 12) = buildings.community_code
            and buildings.longitude is not null
),

-- buildings near enough whose registered address the report's description names
described as (
    select distinct
        distances.event_id,
        distances.building_code,
        distances.distance_m,
        length(buildings.address) as address_length
    from distances
    inner join buildings on distances.building_code = buildings.building_code
    inner join descriptions on distances.event_id = descriptions.event_id
    where
        distances.distance_m <= {{ max_metres }}
        and buildings.address is not null
        and {{ dbt.position('buildings.address', 'descriptions.event_description') }} > 0
),

-- the longest address named wins ("…1号之34" also contains "…1号之3" and "…1号");
-- two buildings of one address decide nothing (the position rule then decides)
described_longest as (
    select
        *,
        rank() over (partition by event_id order by address_length desc) as length_rank
    from described
),

described_one as (
    select
        event_id,
        max(building_code) as building_code,
        max(distance_m) as distance_m
    from described_longest
    where length_rank = 1
    group by event_id
    having count(*) = 1
),

-- the nearest building (ties: the smallest code) and the distance of the next
-- nearest, by aggregates rather than a ranking window over every pair
nearest_distance as (
    select
        event_id,
        min(distance_m) as distance_m
    from distances
    group by event_id
),

-- a position with no building of known position has only null distances: all tie
nearest_one as (
    select
        distances.event_id,
        min(distances.building_code) as building_code,
        min(nearest_distance.distance_m) as distance_m
    from distances
    inner join nearest_distance
        on
            distances.event_id = nearest_distance.event_id
            and distances.distance_m is not distinct from nearest_distance.distance_m
    group by distances.event_id
),

next_nearest as (
    select
        distances.event_id,
        min(distances.distance_m) as next_distance_m
    from distances
    inner join nearest_one
        on
            distances.event_id = nearest_one.event_id
            and distances.building_code <> nearest_one.building_code
    group by distances.event_id
),

final as (
    select
        events.event_id,
        events.building_code,
        events.grid_code,
        events.longitude,
        events.latitude,
        events.building_code is null
        and events.longitude is not null
        and events.latitude is not null as is_position_mention,
        nearest_one.building_code as nearest_building_code,
        nearest_one.distance_m as nearest_distance_m,
        next_nearest.next_distance_m,
        described_one.building_code as described_building_code,
        described_one.distance_m as described_distance_m,
        events.first_seen_on,
        events.last_seen_on,
        events.record_count,
        -- the newest load the row depends on: its lines' or the buildings' (so
        -- every row a build writes carries a load newer than the last tested
        -- build, including the untouched events a new snapshot re-derives)
        case
            when buildings_loaded.buildings_loaded_at is null then events.loaded_at
            when events.loaded_at > buildings_loaded.buildings_loaded_at then events.loaded_at
            else buildings_loaded.buildings_loaded_at
        end as loaded_at,
        buildings_loaded.buildings_loaded_at
    from events
    cross join buildings_loaded
    left join nearest_one on events.event_id = nearest_one.event_id
    left join next_nearest on events.event_id = next_nearest.event_id
    left join described_one on events.event_id = described_one.event_id
)

select * from final
