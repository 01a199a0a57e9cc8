-- Deliveries whose newest verdict is blocked: downstream transform and publishing
-- skip them until a corrected delivery passes. Lists the fail-level checks not met.
with

deliveries as (
    select * from {{ ref('stg_dq__deliveries') }}
),

results as (
    select * from {{ ref('stg_dq__results') }}
),

latest_verdict as (
    select
        feed,
        delivery_date,
        run_id,
        failed_fail_count,
        failed_warn_count,
        is_blocked,
        checked_at
    from deliveries
    qualify row_number() over (
        partition by feed, delivery_date order by checked_at desc
    ) = 1
),

failed_checks as (
    select
        results.run_id,
        results.feed,
        results.delivery_date,
        {{ dbt.listagg("results.suite_name || ' ' || results.expectation_name", "'; '", "order by results.suite_name, results.expectation_name") }} as failed_expectations
    from results
    where results.severity = 'fail' and not results.is_success
    group by results.run_id, results.feed, results.delivery_date
),

final as (
    select
        latest_verdict.feed,
        latest_verdict.delivery_date,
        latest_verdict.run_id,
        latest_verdict.failed_fail_count,
        latest_verdict.failed_warn_count,
        latest_verdict.checked_at,
        failed_checks.failed_expectations
    from latest_verdict
    left join failed_checks
        on latest_verdict.run_id = failed_checks.run_id
        and latest_verdict.feed = failed_checks.feed
        and latest_verdict.delivery_date = failed_checks.delivery_date
    where latest_verdict.is_blocked
)

select
    md5(feed || '|' || cast(delivery_date as string)) as delivery_key,
    feed,
    delivery_date,
    run_id,
    failed_fail_count,
    failed_warn_count,
    checked_at,
    failed_expectations
from final
