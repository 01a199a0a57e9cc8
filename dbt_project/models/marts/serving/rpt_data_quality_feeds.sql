-- Question: per feed, what was delivered last, how many deliveries were
-- blocked, how many rows quarantined, how many expectations passed, and how
-- far does its data run? District roles only: no geography (Superset dataset
-- rpt_data_quality_feeds).
with

pass_rate as (
    select
        feed,
        count(distinct delivery_date) as deliveries,
        max_by(pass_rate, delivery_date) as expectation_pass_rate
    from {{ published('rpt_quality_pass_rate') }}
    group by feed
),

blocked as (
    select
        feed,
        count(distinct delivery_date) as blocked_deliveries
    from {{ published('rpt_quality_blocked_deliveries') }}
    group by feed
),

quarantine as (
    select
        feed,
        sum(rows_received) as received_rows,
        sum(rows_quarantined) as quarantined_rows
    from {{ published('rpt_quality_quarantine') }}
    group by feed
),

final as (
    select
        latest.feed,
        latest.latest_delivery_date,
        coalesce(pass_rate.deliveries, 0) as deliveries,
        coalesce(blocked.blocked_deliveries, 0) as blocked_deliveries,
        coalesce(quarantine.received_rows, 0) as received_rows,
        coalesce(quarantine.quarantined_rows, 0) as quarantined_rows,
        pass_rate.expectation_pass_rate,
        freshness.data_through_date,
        coalesce(freshness.days_behind, 0) as days_behind,
        -- Data Docs are served by Superset itself (superset_config.py: /data_docs/)
        '<a href="/data_docs/index.html" target="_blank">Data Docs</a>' as data_docs_url
    from {{ published('rpt_quality_latest_delivery') }} as latest
    left join pass_rate on latest.feed = pass_rate.feed
    left join blocked on latest.feed = blocked.feed
    left join quarantine on latest.feed = quarantine.feed
    left join {{ published('rpt_feed_freshness') }} as freshness on latest.feed = freshness.feed
)

select * from final
