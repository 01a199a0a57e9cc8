-- 楼栋 golden record (一数一源): one row per building of dim_building (housing's
-- snapshot, and buildings only its rooms name), with what every other
-- department says of it, merged by the match decisions of int_building_matches.
-- Survivorship per attribute (docs/GOLDEN_RECORDS.md):
--   existence, address, type, floors, hazard, grid   housing (住建), the register
--   position       housing; for a building housing has no position for, the
--                  mean position events and the grid channel give it
--   references     counted per department (events, residents, premises ...)
with

buildings as (
    select * from {{ ref('dim_building') }}
),

matches as (
    select * from {{ ref('int_building_matches') }}
    where golden_building_code is not null
),

sources as (
    select
        golden_building_code,
        max(case when building_source = 'housing_buildings' then 1 else 0 end) = 1 as is_in_housing_snapshot,
        max(case when department = 'public_security' then 1 else 0 end) = 1 as is_in_population_register,
        max(case when building_source = 'grid_collection' then 1 else 0 end) = 1 as is_in_grid_collection,
        max(case when building_source = 'rental_filings' then 1 else 0 end) = 1 as is_in_rental_filings,
        max(case when department in ('market_regulation', 'civil_affairs') then 1 else 0 end) = 1
            as is_premises_of_entity,
        max(case when building_source = 'facilities' then 1 else 0 end) = 1 as has_facility,
        -- events: a code mention counts its events, a position mention is one event
        cast(sum(
            case
                when building_source = 'events' and delivered_code is not null then record_count
                when building_source = 'events' then 1
                else 0
            end
        ) as bigint) as event_count,
        cast(sum(case when match_rule in ('nearest_building', 'described_address') then 1 else 0 end) as bigint)
            as events_located_by_position,
        count(distinct department) as department_count,
        min(first_seen_on) as first_seen_on,
        max(last_seen_on) as last_seen_on
    from matches
    group by golden_building_code
),

-- a position for buildings housing gives none: where events and residents put it
observed_positions as (
    select
        golden_building_code,
        -- rounded as delivered (6 decimals): a parallel avg() differs in the last bits
        round(avg(longitude), 6) as longitude,
        round(avg(latitude), 6) as latitude
    from matches
    where building_source in ('events', 'grid_collection') and longitude is not null
    group by golden_building_code
),

final as (
    select
        buildings.building_code,
        buildings.address,
        buildings.community_code,
        buildings.grid_code,
        coalesce(buildings.longitude, observed_positions.longitude) as longitude,
        coalesce(buildings.latitude, observed_positions.latitude) as latitude,
        case
            when buildings.longitude is not null then 'housing'
            when observed_positions.longitude is not null then 'events_and_grid_collection'
        end as position_source,
        buildings.building_type,
        buildings.floor_count,
        buildings.hazard_grade,
        buildings.room_count,
        buildings.is_inferred,
        buildings.is_in_latest_snapshot,
        coalesce(sources.is_in_population_register, false) as is_in_population_register,
        coalesce(sources.is_in_grid_collection, false) as is_in_grid_collection,
        coalesce(sources.is_in_rental_filings, false) as is_in_rental_filings,
        coalesce(sources.is_premises_of_entity, false) as is_premises_of_entity,
        coalesce(sources.has_facility, false) as has_facility,
        coalesce(sources.event_count, 0) as event_count,
        coalesce(sources.events_located_by_position, 0) as events_located_by_position,
        coalesce(sources.department_count, 0) as department_count,
        sources.first_seen_on,
        sources.last_seen_on
    from buildings
    left join sources on buildings.building_code = sources.golden_building_code
    left join observed_positions on buildings.building_code = observed_positions.golden_building_code
)

select * from final
