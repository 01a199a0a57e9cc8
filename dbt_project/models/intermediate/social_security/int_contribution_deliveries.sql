-- 缴费明细 one row per contribution month: its newest delivery, which states
-- the month (a later file of the month replaces it, docs/FEEDS.md), when it
-- was loaded, its rows and the rows the duplicate rule keeps (one per key:
-- the ingest flags every repeat of a key within a file, not the first row).
-- fct_contributions takes the month's delivery from here rather than writing
-- it into every row, so a correction rewrites only its changed rows
-- (int_contribution_rows, which holds exactly the kept rows: tested).
-- Incremental on the month (macros/incremental.sql contribution_month_config).
{{ config(contribution_month_config()) }}

with

-- one row per delivery of each touched month (few): the month's rows are read
-- once, the newest delivery is picked from this small result
deliveries as (
    select
        contribution_month,
        delivery_date,
        max(loaded_at) as loaded_at,
        count(*) as delivered_rows,
        sum(case when coalesce(quality_flags, '') like '%duplicate%' then 0 else 1 end) as kept_rows
    from {{ ref('stg_social_security__contributions') }}
    {{ where_touched_since_watermark(ref('stg_social_security__contributions'), 'contribution_month', 'loaded_at', 'date') }}
    group by contribution_month, delivery_date
),

newest as (
    select
        contribution_month,
        max(delivery_date) as delivery_date
    from deliveries
    group by contribution_month
),

final as (
    select
        deliveries.contribution_month,
        deliveries.delivery_date,
        deliveries.loaded_at,
        deliveries.delivered_rows,
        deliveries.kept_rows
    from deliveries
    inner join newest
        on
            deliveries.contribution_month = newest.contribution_month
            and deliveries.delivery_date = newest.delivery_date
)

select * from final
