with

source as (
    select * from {{ source('social_security', 'jzff') }}
),

renamed as (
    select
        payment_id,
        id_number as citizen_id,
        household_id,
        program as assistance_program,
        period as payment_month,
        amount_yuan,
        community_code,
        approved_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
