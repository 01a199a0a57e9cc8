-- The newest validated delivery per feed and its gate verdict: the freshness view
-- of the quality mart (a feed whose latest delivery is old or blocked needs a look).
with

deliveries as (
    select * from {{ ref('stg_dq__deliveries') }}
),

latest_per_delivery as (
    select
        feed,
        delivery_date,
        run_id,
        gate_status,
        is_blocked,
        checked_at
    from deliveries
    qualify row_number() over (
        partition by feed, delivery_date order by checked_at desc
    ) = 1
),

final as (
    select
        feed,
        delivery_date as latest_delivery_date,
        run_id,
        gate_status,
        is_blocked,
        checked_at,
        cast({{ dbt.datediff('delivery_date', 'cast(checked_at as date)', 'day') }} as bigint) as days_delivery_to_check
    from latest_per_delivery
    qualify row_number() over (partition by feed order by delivery_date desc) = 1
)

select
    feed,
    latest_delivery_date,
    run_id,
    gate_status,
    is_blocked,
    checked_at,
    days_delivery_to_check
from final
