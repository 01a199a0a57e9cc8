-- 房屋 rooms as of the latest weekly snapshot that contains them; a room missing
-- from the newest snapshot is kept and marked, never dropped silently.
with

rooms as (
    select * from {{ ref('stg_housing__rooms') }}
),

latest_snapshot as (
    select max(delivery_date) as delivery_date from rooms
),

latest_row as (
    select * from rooms
    qualify row_number() over (
        partition by room_code order by delivery_date desc, source_row_number desc
    ) = 1
),

final as (
    select
        latest_row.room_code,
        coalesce(latest_row.building_code, substr(latest_row.room_code, 1, 17)) as building_code,
        substr(latest_row.room_code, 1, 12) as community_code,
        latest_row.floor_number,
        latest_row.area_m2,
        latest_row.room_use,
        coalesce(latest_row.is_rental, false) as is_rental,
        latest_row.delivery_date as last_seen_on,
        latest_row.delivery_date = latest_snapshot.delivery_date as is_in_latest_snapshot
    from latest_row
    cross join latest_snapshot
)

select * from final
