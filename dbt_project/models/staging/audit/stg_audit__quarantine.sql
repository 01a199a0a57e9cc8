-- audit.quarantine exists only once the ingest ran: read it as empty until then.
-- The original text (personal data in most feeds) is not selected.
{%- set relation = adapter.get_relation(database=target.database, schema='audit', identifier='quarantine') if execute else none %}
with

{% if relation is not none -%}
source as (
    select * from {{ source('audit', 'quarantine') }}
),
{%- else -%}
-- {{ source('audit', 'quarantine') }} not created yet
source as (
    select
        cast(null as string) as batch_id,
        cast(null as string) as feed,
        cast(null as string) as kind,
        cast(null as date) as delivery_date,
        cast(null as string) as file,
        cast(null as bigint) as row_number,
        cast(null as string) as reason_code,
        cast(null as string) as column_name
    where false
),
{%- endif %}

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
