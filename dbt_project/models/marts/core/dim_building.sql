-- 楼栋 buildings as of the latest weekly snapshot that contains them.
with

buildings as (
    select * from {{ ref('stg_housing__buildings') }}
),

rooms as (
    select * from {{ ref('dim_room') }}
),

latest_snapshot as (
    select max(delivery_date) as delivery_date from buildings
),

latest_row as (
    select * from buildings
    qualify row_number() over (
        partition by building_code order by delivery_date desc, source_row_number desc
    ) = 1
),

room_counts as (
    select
        building_code,
        count(*) as room_count,
        count(*) filter (where is_rental) as rental_room_count,
        sum(area_m2) as floor_area_m2
    from rooms
    group by building_code
),

final as (
    select
        latest_row.building_code,
        latest_row.address,
        coalesce(latest_row.community_code, substr(latest_row.building_code, 1, 12)) as community_code,
        latest_row.grid_code,
        latest_row.longitude,
        latest_row.latitude,
        latest_row.building_type,
        latest_row.building_type = 'urban_village' as is_urban_village,
        latest_row.floor_count,
        latest_row.year_built,
        latest_row.hazard_grade,
        latest_row.hazard_grade in ('C', 'D') as is_hazardous,
        coalesce(room_counts.room_count, 0) as room_count,
        coalesce(room_counts.rental_room_count, 0) as rental_room_count,
        room_counts.floor_area_m2,
        latest_row.delivery_date as last_seen_on,
        latest_row.delivery_date = latest_snapshot.delivery_date as is_in_latest_snapshot
    from latest_row
    cross join latest_snapshot
    left join room_counts on latest_row.building_code = room_counts.building_code
)

select * from final
