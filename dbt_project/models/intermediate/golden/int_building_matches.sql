-- 关联比对 match decisions for buildings: which golden building (dim_building:
-- housing's snapshot, plus buildings only its rooms name) each reference of
-- int_building_mentions was merged into, by which rule and on what evidence.
-- Rules (docs/GOLDEN_RECORDS.md):
--   exact_code        the code is a building of dim_building
--   described_address no code, a position, and the report's description names
--                     the registered address (housing's) of a building of the
--                     same community within var('golden_building_max_metres'):
--                     that building (the longest such address; two of the same
--                     length decide nothing)
--   nearest_building  no code, a position: the nearest building of the same
--                     community within var('golden_building_max_metres')
--   unmatched         a code housing does not know, or a position with no
--                     building near enough: no golden record (stewardship)
{{ config(materialized='table') }}

with

mentions as (
    select * from {{ ref('int_building_mentions') }}
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

-- what the reports say (free text by the contract): only compared, never kept
descriptions as (
    select * from {{ ref('int_event_descriptions') }}
),

positions as (
    select * from mentions
    where delivered_code is null
),

distances as (
    select
        positions.building_source,
        positions.mention_id,
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
        distances.building_source,
        distances.mention_id,
        distances.building_code,
        distances.distance_m,
        length(buildings.address) as address_length
    from distances
    inner join buildings on distances.building_code = buildings.building_code
    inner join descriptions on distances.mention_id = descriptions.event_id
    where
        distances.building_source = 'events'
        and distances.distance_m <= {{ var('golden_building_max_metres') }}
        and buildings.address is not null
        and {{ dbt.position('buildings.address', 'descriptions.event_description') }} > 0
),

-- the longest address named wins ("…1号之34" also contains "…1号之3" and "…1号");
-- two buildings of one address decide nothing (the position rule then decides)
described_longest as (
    select
        *,
        rank() over (partition by building_source, mention_id order by address_length desc) as length_rank
    from described
),

described_one as (
    select
        building_source,
        mention_id,
        max(building_code) as building_code,
        max(distance_m) as distance_m
    from described_longest
    where length_rank = 1
    group by building_source, mention_id
    having count(*) = 1
),

-- the nearest building (ties: the smallest code) and the distance of the next
-- nearest, by aggregates rather than a ranking window over every pair
nearest_distance as (
    select
        building_source,
        mention_id,
        min(distance_m) as distance_m
    from distances
    group by building_source, mention_id
),

-- a mention with no position has only null distances: all of them tie
nearest_one as (
    select
        distances.building_source,
        distances.mention_id,
        min(distances.building_code) as building_code,
        min(nearest_distance.distance_m) as distance_m
    from distances
    inner join nearest_distance
        on
            distances.building_source = nearest_distance.building_source
            and distances.mention_id = nearest_distance.mention_id
            and distances.distance_m is not distinct from nearest_distance.distance_m
    group by distances.building_source, distances.mention_id
),

next_nearest as (
    select
        distances.building_source,
        distances.mention_id,
        min(distances.distance_m) as next_distance_m
    from distances
    inner join nearest_one
        on
            distances.building_source = nearest_one.building_source
            and distances.mention_id = nearest_one.mention_id
            and distances.building_code <> nearest_one.building_code
    group by distances.building_source, distances.mention_id
),

nearest as (
    select
        nearest_one.building_source,
        nearest_one.mention_id,
        nearest_one.building_code,
        nearest_one.distance_m,
        next_nearest.next_distance_m
    from nearest_one
    left join next_nearest
        on
            nearest_one.building_source = next_nearest.building_source
            and nearest_one.mention_id = next_nearest.mention_id
),

decided as (
    select
        mentions.building_source,
        mentions.department,
        mentions.mention_id,
        mentions.delivered_code,
        mentions.grid_code,
        mentions.longitude,
        mentions.latitude,
        case
            when mentions.delivered_code is not null then buildings.building_code
            when described_one.building_code is not null then described_one.building_code
            when nearest.distance_m <= {{ var('golden_building_max_metres') }} then nearest.building_code
        end as golden_building_code,
        case
            when buildings.building_code is not null then 'exact_code'
            when mentions.delivered_code is null and described_one.building_code is not null then 'described_address'
            when
                mentions.delivered_code is null
                and nearest.distance_m <= {{ var('golden_building_max_metres') }}
                then 'nearest_building'
            else 'unmatched'
        end as match_rule,
        nearest.distance_m,
        nearest.next_distance_m,
        described_one.distance_m as described_distance_m,
        mentions.first_seen_on,
        mentions.last_seen_on,
        mentions.record_count
    from mentions
    left join buildings on mentions.delivered_code = buildings.building_code
    left join nearest
        on
            mentions.building_source = nearest.building_source
            and mentions.mention_id = nearest.mention_id
    left join described_one
        on
            mentions.building_source = described_one.building_source
            and mentions.mention_id = described_one.mention_id
),

final as (
    select
        building_source,
        department,
        mention_id,
        delivered_code,
        grid_code,
        longitude,
        latitude,
        golden_building_code,
        match_rule,
        case
            when match_rule = 'exact_code' then 'building code known to housing'
            when match_rule = 'described_address'
                then
                    'the description names the registered address of a building of the community at '
                    || cast(round(described_distance_m, 1) as {{ dbt.type_string() }}) || ' m'
                    || '; nearest at ' || cast(round(distance_m, 1) as {{ dbt.type_string() }}) || ' m'
            when match_rule = 'nearest_building'
                then
                    'nearest building of the community at '
                    || cast(round(distance_m, 1) as {{ dbt.type_string() }}) || ' m'
                    || coalesce('; next at ' || cast(round(next_distance_m, 1) as {{ dbt.type_string() }}) || ' m', '')
            when delivered_code is not null then 'building code unknown to housing'
            when distance_m is not null
                then
                    'nearest building at ' || cast(round(distance_m, 1) as {{ dbt.type_string() }}) || ' m: too far'
            else 'no building of the community has a position'
        end as evidence,
        -- to the building merged into (the nearest one when none was)
        case when match_rule = 'described_address' then described_distance_m else distance_m end as distance_m,
        first_seen_on,
        last_seen_on,
        record_count
    from decided
)

select * from final
