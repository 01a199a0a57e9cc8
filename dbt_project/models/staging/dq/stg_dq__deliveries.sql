-- dq.deliveries exists only after the first validation: read it as empty until then
with

source as (
    {{ source_or_empty('dq', 'deliveries', [
        ['feed', 'string'],
        ['delivery_date', 'date'],
        ['run_id', 'string'],
        ['status', 'string'],
        ['blocked', 'boolean'],
        ['expectations', 'bigint'],
        ['failed_fail', 'bigint'],
        ['failed_warn', 'bigint'],
        ['rows_received', 'bigint'],
        ['rows_loaded', 'bigint'],
        ['rows_quarantined', 'bigint'],
        ['checked_at', 'timestamp'],
    ]) }}
),

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
