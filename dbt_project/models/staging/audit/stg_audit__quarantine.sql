-- audit.quarantine exists only once the ingest ran: read it as empty until then.
-- The original text (personal data in most feeds) is not selected.
with

source as (
    {{ source_or_empty('audit', 'quarantine', [
        ['batch_id', 'string'],
        ['feed', 'string'],
        ['kind', 'string'],
        ['delivery_date', 'date'],
        ['file', 'string'],
        ['row_number', 'bigint'],
        ['reason_code', 'string'],
        ['column_name', 'string'],
    ]) }}
),

renamed as (
    select
        {{ dbt.concat(['batch_id', "':'", as_string('row_number')]) }} as quarantine_row_id,
        batch_id,
        feed,
        kind as file_kind,
        delivery_date,
        file as file_name,
        row_number as source_row_number,
        reason_code,
        column_name
    from source
)

select * from renamed
