-- dq.results exists only after the first validation: read it as empty until then
with

source as (
    {{ source_or_empty('dq', 'results', [
        ['run_id', 'string'],
        ['suite', 'string'],
        ['expectation', 'string'],
        ['expectation_type', 'string'],
        ['column_name', 'string'],
        ['severity', 'string'],
        ['success', 'boolean'],
        ['observed_value', 'string'],
        ['unexpected_count', 'bigint'],
        ['unexpected_percent', 'double'],
        ['unexpected_sample', 'string'],
        ['exception', 'string'],
        ['feed', 'string'],
        ['delivery_date', 'date'],
        ['checked_at', 'timestamp'],
    ]) }}
),

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
