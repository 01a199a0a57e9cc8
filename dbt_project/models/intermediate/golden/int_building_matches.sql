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
-- A position's evidence (nearest building, next nearest distance, the building
-- the description names) is int_event_locations', carried by the mention.
{{ config(materialized='table') }}

with

mentions as (
    select * from {{ ref('int_building_mentions') }}
),

buildings as (
    select building_code from {{ ref('dim_building') }}
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
            when mentions.described_building_code is not null then mentions.described_building_code
            when mentions.nearest_distance_m <= {{ var('golden_building_max_metres') }}
                then mentions.nearest_building_code
        end as golden_building_code,
        case
            when buildings.building_code is not null then 'exact_code'
            when mentions.delivered_code is null and mentions.described_building_code is not null
                then 'described_address'
            when
                mentions.delivered_code is null
                and mentions.nearest_distance_m <= {{ var('golden_building_max_metres') }}
                then 'nearest_building'
            else 'unmatched'
        end as match_rule,
        mentions.nearest_distance_m as distance_m,
        mentions.next_distance_m,
        mentions.described_distance_m,
        mentions.first_seen_on,
        mentions.last_seen_on,
        mentions.record_count
    from mentions
    left join buildings on mentions.delivered_code = buildings.building_code
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
