-- dq.runs exists only after the first validation: read it as empty until then
with

source as (
    {{ source_or_empty('dq', 'runs', [
        ['run_id', 'string'],
        ['target', 'string'],
        ['layer', 'string'],
        ['delivery_date', 'date'],
        ['started_at', 'timestamp'],
        ['finished_at', 'timestamp'],
        ['seconds', 'double'],
        ['expectations', 'bigint'],
        ['failed_fail', 'bigint'],
        ['failed_warn', 'bigint'],
        ['status', 'string'],
    ]) }}
),

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
