with

source as (
    select * from {{ source('social_security', 'cbry') }}
),

renamed as (
    select
        id_number as citizen_id,
        name as person_name,
        employer_uscc,
        {{ array_has('insurance_types', "'pension'") }} as has_pension,
        {{ array_has('insurance_types', "'medical'") }} as has_medical,
        {{ array_has('insurance_types', "'unemployment'") }} as has_unemployment,
        {{ array_has('insurance_types', "'injury'") }} as has_work_injury,
        {{ array_has('insurance_types', "'maternity'") }} as has_maternity,
        status as insurance_status,
        start_month,
        {{ decode_change_type('op') }} as change_type,
        updated_at as changed_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
