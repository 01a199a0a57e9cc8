with

source as (
    select * from {{ source('population', 'grid_rkcj') }}
),

renamed as (
    select
        record_id as collection_id,
        channel as collection_channel,
        collector_id,
        collected_at,
        id_number as citizen_id,
        name as person_name,
        phone,
        room_code,
        substr(room_code, 1, 17) as building_code,
        grid_code,
        substr(grid_code, 1, 12) as community_code,
        lon as longitude,
        lat as latitude,
        employer_uscc,
        {{ array_has('tags', "'elderly_alone'") }} as is_elderly_alone,
        {{ array_has('tags', "'disabled'") }} as is_disabled,
        {{ array_has('tags', "'dibao'") }} as is_dibao,
        {{ array_has('tags', "'tekun'") }} as is_tekun,
        {{ array_has('tags', "'child_in_distress'") }} as is_child_in_distress,
        tags as special_group_tags,
        note,
        {{ lineage_columns() }}
    from source
)

select * from renamed
