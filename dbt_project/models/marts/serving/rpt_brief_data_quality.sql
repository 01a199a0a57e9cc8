-- Question (weekly brief, section 数据质量): per feed, by its name, what was
-- delivered last, how many deliveries were blocked by the quality gate, what
-- share of rows was quarantined and of expectations passed? The same rows in
-- every brief (the quality of a feed is the district's): rpt_data_quality_feeds,
-- the dashboard's dataset, with the feeds' names (macro feed_name).
with

quality as (
    select * from {{ published('rpt_data_quality_feeds') }}
),

final as (
    select
        quality.feed,
        {{ feed_name('quality.feed') }} as feed_name,
        quality.latest_delivery_date,
        quality.deliveries,
        quality.blocked_deliveries,
        cast(quality.received_rows as bigint) as received_rows,
        cast(quality.quarantined_rows as bigint) as quarantined_rows,
        round(cast(quality.quarantined_rows as double) / nullif(quality.received_rows, 0), 4)
            as quarantine_share,
        round(quality.expectation_pass_rate, 3) as expectation_pass_rate
    from quality
)

select * from final
