-- 设施容量 one row per facility per monthly snapshot that lists it: rated
-- capacity, capacity in use and licensed social workers as that snapshot
-- says, on the facility's conformed location (dim_facility). A row repeated
-- within a snapshot counts once (its last copy). Closed facilities leave the
-- fact with the first snapshot that no longer lists them.
with

facilities as (
    select * from {{ ref('stg_facilities__facilities') }}
),

dim as (
    select * from {{ ref('dim_facility') }}
),

snapshot_rows as (
    select * from facilities
    qualify row_number() over (
        partition by facility_id, delivery_date order by source_row_number desc
    ) = 1
),

final as (
    select
        {{ dbt.concat(['snapshot_rows.facility_id', "'|'", as_string('snapshot_rows.delivery_date')]) }}
            as facility_snapshot_key,
        snapshot_rows.facility_id,
        snapshot_rows.delivery_date as snapshot_date,
        dim.facility_type,
        dim.capacity_unit,
        snapshot_rows.facility_status,
        snapshot_rows.facility_status = 'operating' as is_operating,
        snapshot_rows.facility_status = 'under_construction' as is_under_construction,
        snapshot_rows.opens_on,
        snapshot_rows.rated_capacity,
        snapshot_rows.capacity_in_use,
        snapshot_rows.licensed_social_workers,
        -- the facility's current type and location (one definition: dim_facility)
        dim.is_elderly_care_beds,
        dim.is_hospital_beds,
        dim.grid_code,
        dim.community_code,
        dim.street_code,
        dim.unlocated_reason is not null as is_unlocated
    from snapshot_rows
    inner join dim on snapshot_rows.facility_id = dim.facility_id
)

select * from final
