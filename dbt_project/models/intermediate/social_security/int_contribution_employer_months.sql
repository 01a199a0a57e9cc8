-- 缴费单位 each employer code the contribution feed (缴费明细) names, per month, as
-- delivered: the monthly part of int_entity_mentions' contribution mentions,
-- which adds the months up. Incremental on the month as fct_contributions (a
-- month delivered again replaces the month's rows, macros/incremental.sql
-- contribution_month_config): a daily build reads the months a load touched, not
-- every month ever delivered (district: 14M rows a month; int_entity_mentions
-- grouped all of them in every build).
{{ config(contribution_month_config()) }}

with

touched as (
    select * from {{ ref('stg_social_security__contributions') }}
    {{ where_touched_since_watermark(ref('stg_social_security__contributions'), 'contribution_month', 'loaded_at', 'date') }}
),

final as (
    select
        employer_uscc,
        contribution_month,
        max(case when quality_flags like '%invalid_uscc%' then 1 else 0 end) as flagged_invalid,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        count(*) as record_count,
        max(loaded_at) as loaded_at
    from touched
    where employer_uscc is not null
    group by employer_uscc, contribution_month
)

select * from final
