-- Rows received, loaded and quarantined per feed and delivery (as the gate saw them).
with

deliveries as (
    select * from {{ ref('stg_dq__deliveries') }}
),

final as (
    select
        feed,
        delivery_date,
        rows_received,
        rows_loaded,
        rows_quarantined,
        case
            when rows_received > 0 then cast(rows_quarantined as double) / rows_received
        end as quarantine_share
    from deliveries
    qualify row_number() over (
        partition by feed, delivery_date order by checked_at desc
    ) = 1
)

select
    md5(feed || '|' || cast(delivery_date as string)) as delivery_key,
    feed,
    delivery_date,
    rows_received,
    rows_loaded,
    rows_quarantined,
    quarantine_share
from final
