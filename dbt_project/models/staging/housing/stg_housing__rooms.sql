with

source as (
    select * from {{ source('housing', 'fw') }}
),

renamed as (
    select
        room_code,
        building_code,
        floor as floor_number,
        area_m2,
        use as room_use,
        is_rental,
        updated_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
