with

source as (
    select * from {{ source('housing', 'zlba') }}
),

renamed as (
    select
        filing_id,
        room_code,
        substr(room_code, 1, 17) as building_code,
        landlord_id_number as landlord_citizen_id,
        tenant_id_number as tenant_citizen_id,
        start_date as starts_on,
        end_date as ends_on,
        monthly_rent as monthly_rent_yuan,
        status as filing_status,
        {{ decode_change_type('op') }} as change_type,
        updated_at as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
