-- Every reference a department makes to a building: one row per source and
-- building code as delivered, and one per event that names no building but a
-- position (an app pin). Housing's own snapshots and rooms are the register;
-- rental filings, the population register and the grid channel name a room
-- (its first 17 digits are the building); market regulation and civil affairs
-- name premises; events name a building code and a position; the facilities
-- snapshot names a building code. docs/GOLDEN_RECORDS.md.
{%- set untyped_text = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- set coded_sources = [
    ('housing_buildings', 'housing', ref('stg_housing__buildings'), 'building_code', 'grid_code', 'longitude', 'latitude'),
    ('housing_rooms', 'housing', ref('stg_housing__rooms'), 'building_code', none, none, none),
    ('rental_filings', 'housing', ref('stg_housing__rental_filing_changes'), 'building_code', none, none, none),
    ('population_register', 'public_security', ref('stg_population__register_records'), 'building_code', none, none, none),
    ('grid_collection', 'grid', ref('stg_population__grid_collections'), 'building_code', 'grid_code', 'longitude', 'latitude'),
    ('market_regulation', 'market_regulation', ref('stg_entities__market_entity_changes'), 'premises_building_code', none, none, none),
    ('civil_affairs', 'civil_affairs', ref('stg_entities__social_organisations'), 'premises_building_code', none, none, none),
    ('facilities', 'facilities', ref('stg_facilities__facilities'), 'building_code', none, 'longitude', 'latitude'),
] %}

with

coded as (
    {%- for source, department, relation, code, grid, lon, lat in coded_sources %}
        select
            '{{ source }}' as building_source,
            '{{ department }}' as department,
            {{ code }} as building_code,
            {{ grid or untyped_text }} as grid_code,
            {{ lon or 'cast(null as double)' }} as longitude,
            {{ lat or 'cast(null as double)' }} as latitude,
            delivery_date
        from {{ relation }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

by_code as (
    select
        building_source,
        department,
        building_code as mention_id,
        building_code as delivered_code,
        min(grid_code) as grid_code,
        avg(longitude) as longitude,
        avg(latitude) as latitude,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        count(*) as record_count
    from coded
    where building_code is not null
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
