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
        -- the row's fingerprints, added by the ingest (ingest/contract.py): a hash
        -- of its delivered values, by which a corrected month is compared with
        -- the rows held for it, and a hash of its business key, by which the
        -- duplicate rule finds a repeated key's rows (int_contribution_rows)
        _row_hash as source_row_hash,
        _key_hash as source_key_hash,
        {{ lineage_columns() }}
    from source
)

select * from renamed
