with

source as (
    select * from {{ source('social_security', 'jfmx') }}
),

renamed as (
    select
        id_number as citizen_id,
        employer_uscc,
        period as contribution_month,
        insurance_type,
        base_yuan as contribution_base_yuan,
        amount_yuan as contribution_amount_yuan,
        paid as is_paid,
        paid_date as paid_on,
        {{ lineage_columns() }}
    from source
)

select * from renamed
