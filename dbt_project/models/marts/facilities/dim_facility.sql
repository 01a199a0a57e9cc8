-- 公共服务设施 public-service facilities: one row per facility any monthly
-- snapshot listed, described by the newest snapshot that lists it. A facility
-- missing from the newest snapshot has closed (FEEDS.md section 6):
-- is_in_latest_snapshot false, is_open false. Located on its building's grid,
-- the community of its building code (else of its own community code) and that
-- community's street; unknown levels go to the unlocated members
-- (macros/geography.sql), so every facility is counted at every level.
with

facilities as (
    select * from {{ ref('stg_facilities__facilities') }}
),

buildings as (
    select * from {{ ref('dim_building') }}
),

latest_snapshot as (
    select max(delivery_date) as snapshot_date from facilities
),

latest_row as (
    select * from facilities
    qualify row_number() over (
        partition by facility_id order by delivery_date desc, source_row_number desc
    ) = 1
),

located as (
    select
        latest_row.*,
        coalesce(latest_row.building_code, latest_row.community_code) as location_code,
        buildings.grid_code as building_grid_code
    from latest_row
    left join buildings on latest_row.building_code = buildings.building_code
),

final as (
    select
        located.facility_id,
        located.facility_name,
        located.facility_type,
        located.facility_type_zh,
        located.department,
        located.capacity_unit,
        -- 养老床位 elderly-care beds: institutions and day centres; 医院床位
        -- hospital beds: hospitals and community health centres (docs/DEFINITIONS.md)
        located.facility_type in ('elderly_care_home', 'elderly_day_centre')
        and located.capacity_unit = 'beds' as is_elderly_care_beds,
        located.facility_type in ('hospital', 'community_health_centre')
        and located.capacity_unit = 'beds' as is_hospital_beds,
        located.building_code,
        located.community_code as delivered_community_code,
        {{ located_grid('loc') }} as grid_code,
        {{ located_community('loc') }} as community_code,
        {{ street_code_of(located_community('loc')) }} as street_code,
        {{ unlocated_reason('located.location_code', 'loc', 'building_without_grid') }} as unlocated_reason,
        located.longitude,
        located.latitude,
        located.rated_capacity,
        located.capacity_in_use,
        located.licensed_social_workers,
        located.opens_on,
        located.closed_on,
        located.facility_status,
        located.delivery_date as last_seen_on,
        located.delivery_date = latest_snapshot.snapshot_date as is_in_latest_snapshot,
        located.delivery_date = latest_snapshot.snapshot_date
        and located.facility_status = 'operating' as is_open
    from located
    cross join latest_snapshot
    {{ location_joins('located.location_code', 'located.building_grid_code', 'loc') }}
)

select * from final
