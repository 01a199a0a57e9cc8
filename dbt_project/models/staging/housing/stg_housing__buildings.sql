with

source as (
    select * from {{ source('housing', 'ld') }}
),

renamed as (
    select
        building_code,
        address,
        community_code,
        grid_code,
        lon as longitude,
        lat as latitude,
        building_type,
        floors as floor_count,
        year_built,
        hazard_grade,
        updated_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
