-- dq.deliveries exists only after the first validation: read it as empty until then
{%- set relation = adapter.get_relation(database=target.database, schema='dq', identifier='deliveries') if execute else none %}
with

{% if relation is not none -%}
source as (
    select * from {{ source('dq', 'deliveries') }}
),
{%- else -%}
-- {{ source('dq', 'deliveries') }} not created yet
source as (
    select
        cast(null as string) as feed,
        cast(null as date) as delivery_date,
        cast(null as string) as run_id,
        cast(null as string) as status,
        cast(null as boolean) as blocked,
        cast(null as bigint) as expectations,
        cast(null as bigint) as failed_fail,
        cast(null as bigint) as failed_warn,
        cast(null as bigint) as rows_received,
        cast(null as bigint) as rows_loaded,
        cast(null as bigint) as rows_quarantined,
        cast(null as timestamp) as checked_at
    where false
),
{%- endif %}

renamed as (
    select
        md5(feed || '|' || cast(delivery_date as string) || '|' || run_id) as verdict_key,
        feed,
        delivery_date,
        run_id,
        status as gate_status,
        blocked as is_blocked,
        expectations as expectation_count,
        failed_fail as failed_fail_count,
        failed_warn as failed_warn_count,
        rows_received,
        rows_loaded,
        rows_quarantined,
        checked_at
    from source
)

select * from renamed
