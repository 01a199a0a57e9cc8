-- 关联比对 match decisions for buildings: which golden building (dim_building:
-- housing's snapshot, plus buildings only its rooms name) each reference of
-- int_building_mentions was merged into, by which rule and on what evidence.
-- Rules (docs/GOLDEN_RECORDS.md):
--   exact_code        the code is a building of dim_building
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
        longitude,
        latitude
    from {{ ref('dim_building') }}
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

ranked as (
    select
        *,
        row_number() over (
            partition by building_source, mention_id order by distance_m nulls last, building_code nulls last
        ) as distance_rank
    from distances
),

nearest as (
    select
        building_source,
        mention_id,
        max(case when distance_rank = 1 then building_code end) as building_code,
        max(case when distance_rank = 1 then distance_m end) as distance_m,
        max(case when distance_rank = 2 then distance_m end) as next_distance_m
    from ranked
    where distance_rank <= 2
    group by building_source, mention_id
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
            when nearest.distance_m <= {{ var('golden_building_max_metres') }} then nearest.building_code
        end as golden_building_code,
        case
            when buildings.building_code is not null then 'exact_code'
            when
                mentions.delivered_code is null
                and nearest.distance_m <= {{ var('golden_building_max_metres') }}
                then 'nearest_building'
            else 'unmatched'
        end as match_rule,
        nearest.distance_m,
        nearest.next_distance_m,
        mentions.first_seen_on,
        mentions.last_seen_on,
        mentions.record_count
    from mentions
    left join buildings on mentions.delivered_code = buildings.building_code
    left join nearest
        on
            mentions.building_source = nearest.building_source
            and mentions.mention_id = nearest.mention_id
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
        distance_m,
        first_seen_on,
        last_seen_on,
        record_count
    from decided
)

select * from final
