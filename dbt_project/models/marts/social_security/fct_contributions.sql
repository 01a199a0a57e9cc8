-- 缴费明细 one row per person, employer, month and insurance type, as each
-- month's newest delivery states them (a corrected month replaces the earlier
-- delivery).
-- A view: the rows are int_contribution_rows, which a daily build updates by
-- the rows a correction changed (district: 171,843 of a 14.1M-row month); the
-- month's delivery, the same on every row of the month, is joined here from
-- int_contribution_deliveries rather than written into every row.
{{ config(materialized='view') }}

with

contribution_rows as (
    select * from {{ ref('int_contribution_rows') }}
),

deliveries as (
    select
        contribution_month,
        delivery_date,
        loaded_at
    from {{ ref('int_contribution_deliveries') }}
),

final as (
    select
        contribution_rows.person_key,
        contribution_rows.employer_uscc,
        contribution_rows.contribution_month,
        contribution_rows.insurance_type,
        contribution_rows.contribution_base_yuan,
        contribution_rows.contribution_amount_yuan,
        contribution_rows.is_paid,
        contribution_rows.paid_on,
        contribution_rows.is_in_arrears,
        deliveries.delivery_date,
        deliveries.loaded_at
    from contribution_rows
    left join deliveries on contribution_rows.contribution_month = deliveries.contribution_month
)

select * from final
