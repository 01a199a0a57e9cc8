with

source as (
    select * from {{ source('social_security', 'sydj') }}
),

renamed as (
    select
        id_number as citizen_id,
        name as person_name,
        registered_date as registered_on,
        status as registration_status,
        community_code,
        {{ decode_change_type('op') }} as change_type,
        updated_at as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
