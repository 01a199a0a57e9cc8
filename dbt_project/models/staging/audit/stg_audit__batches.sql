-- audit.batches exists only once the ingest ran: read it as empty until then
with

source as (
    {{ source_or_empty('audit', 'batches', [
        ['batch_id', 'string'],
        ['feed', 'string'],
        ['kind', 'string'],
        ['delivery_date', 'date'],
        ['file', 'string'],
        ['received', 'bigint'],
        ['loaded', 'bigint'],
        ['quarantined', 'bigint'],
        ['status', 'string'],
        ['superseded_by', 'string'],
    ]) }}
),

renamed as (
    select
        batch_id,
        feed,
        kind as file_kind,
        delivery_date,
        file as file_name,
        received as rows_received,
        loaded as rows_loaded,
        quarantined as rows_quarantined,
        status as batch_status,
        -- loaded / rejected versions are live; superseded and duplicate ones are not counted
        -- again, refused paths were never read (received 0)
        {{ is_live_batch('status') }} as is_live,
        superseded_by as superseded_by_batch_id
    from source
)

select * from renamed
