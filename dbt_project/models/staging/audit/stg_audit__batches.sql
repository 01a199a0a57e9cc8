-- audit.batches exists only once the ingest ran: read it as empty until then
{%- set relation = adapter.get_relation(database=target.database, schema='audit', identifier='batches') if execute else none %}
with

{% if relation is not none -%}
source as (
    select * from {{ source('audit', 'batches') }}
),
{%- else -%}
-- {{ source('audit', 'batches') }} not created yet
source as (
    select
        cast(null as string) as batch_id,
        cast(null as string) as feed,
        cast(null as string) as kind,
        cast(null as date) as delivery_date,
        cast(null as string) as file,
        cast(null as bigint) as received,
        cast(null as bigint) as loaded,
        cast(null as bigint) as quarantined,
        cast(null as string) as status,
        cast(null as string) as superseded_by
    where false
),
{%- endif %}

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
        status in ('loaded', 'rejected') as is_live,
        superseded_by as superseded_by_batch_id
    from source
)

select * from renamed
