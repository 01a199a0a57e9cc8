-- dq.results exists only after the first validation: read it as empty until then
{%- set relation = adapter.get_relation(database=target.database, schema='dq', identifier='results') if execute else none %}
with

{% if relation is not none -%}
source as (
    select * from {{ source('dq', 'results') }}
),
{%- else -%}
-- {{ source('dq', 'results') }} not created yet
source as (
    select
        cast(null as string) as run_id,
        cast(null as string) as suite,
        cast(null as string) as expectation,
        cast(null as string) as expectation_type,
        cast(null as string) as column_name,
        cast(null as string) as severity,
        cast(null as boolean) as success,
        cast(null as string) as observed_value,
        cast(null as bigint) as unexpected_count,
        cast(null as double) as unexpected_percent,
        cast(null as string) as unexpected_sample,
        cast(null as string) as exception,
        cast(null as string) as feed,
        cast(null as date) as delivery_date,
        cast(null as timestamp) as checked_at
    where false
),
{%- endif %}

renamed as (
    select
        md5(run_id || '|' || suite || '|' || expectation) as result_key,
        run_id,
        suite as suite_name,
        expectation as expectation_name,
        expectation_type,
        column_name,
        severity,
        success as is_success,
        observed_value,
        unexpected_count,
        unexpected_percent,
        unexpected_sample,
        exception as exception_message,
        feed,
        delivery_date,
        checked_at
    from source
)

select * from renamed
