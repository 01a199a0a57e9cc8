-- dq.runs exists only after the first validation: read it as empty until then
{%- set relation = adapter.get_relation(database=target.database, schema='dq', identifier='runs') if execute else none %}
with

{% if relation is not none -%}
source as (
    select * from {{ source('dq', 'runs') }}
),
{%- else -%}
-- {{ source('dq', 'runs') }} not created yet
source as (
    select
        cast(null as string) as run_id,
        cast(null as string) as target,
        cast(null as string) as layer,
        cast(null as date) as delivery_date,
        cast(null as timestamp) as started_at,
        cast(null as timestamp) as finished_at,
        cast(null as double) as seconds,
        cast(null as bigint) as expectations,
        cast(null as bigint) as failed_fail,
        cast(null as bigint) as failed_warn,
        cast(null as string) as status
    where false
),
{%- endif %}

renamed as (
    select
        run_id,
        target as validation_target,
        layer,
        delivery_date,
        started_at,
        finished_at,
        seconds as run_seconds,
        expectations as expectation_count,
        failed_fail as failed_fail_count,
        failed_warn as failed_warn_count,
        status as run_status
    from source
)

select * from renamed
