-- Pass rate per feed and delivery day, from the newest validation of each delivery
-- (a re-validated delivery is judged by its latest run, like the gate).
with

results as (
    select * from {{ ref('stg_dq__results') }}
),

deliveries as (
    select * from {{ ref('stg_dq__deliveries') }}
),

latest_verdict as (
    select
        feed,
        delivery_date,
        run_id
    from deliveries
    qualify row_number() over (
        partition by feed, delivery_date order by checked_at desc
    ) = 1
),

final as (
    select
        latest_verdict.feed,
        latest_verdict.delivery_date,
        latest_verdict.run_id,
        count(*) as expectation_count,
        count(*) filter (where results.is_success) as passed_count,
        cast(count(*) filter (where results.is_success) as double) / count(*) as pass_rate,
        count(*) filter (where not results.is_success and results.severity = 'fail') as failed_fail_count,
        count(*) filter (where not results.is_success and results.severity = 'warn') as failed_warn_count
    from latest_verdict
    inner join results
        on latest_verdict.run_id = results.run_id
        and latest_verdict.feed = results.feed
        and latest_verdict.delivery_date = results.delivery_date
    group by latest_verdict.feed, latest_verdict.delivery_date, latest_verdict.run_id
)

select
    md5(feed || '|' || cast(delivery_date as string)) as delivery_key,
    feed,
    delivery_date,
    run_id,
    expectation_count,
    passed_count,
    pass_rate,
    failed_fail_count,
    failed_warn_count
from final
