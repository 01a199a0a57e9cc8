-- 缴费明细 one row per person, employer, month and insurance type. A month
-- delivered again (a correction) replaces the earlier delivery's rows.
{{ config(
    materialized='incremental',
    unique_key='contribution_month',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental on the month: delete+insert on contribution_month swaps a
-- re-delivered month as a whole, which is the correction rule itself.
with

contributions as (
    select * from {{ ref('stg_social_security__contributions') }}
    {{ where_touched_since_watermark(ref('stg_social_security__contributions'), 'contribution_month', 'loaded_at') }}
),

latest_delivery as (
    -- the newest delivery of each month is the month's truth, rows it no
    -- longer carries are gone
    select
        contribution_month,
        max(delivery_date) as delivery_date
    from contributions
    group by contribution_month
),

current_rows as (
    select contributions.*
    from contributions
    inner join latest_delivery
        on
            contributions.contribution_month = latest_delivery.contribution_month
            and contributions.delivery_date = latest_delivery.delivery_date
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'citizen_id', "'|'", "coalesce(employer_uscc, '')", "'|'",
            as_string('contribution_month'), "'|'", 'insurance_type',
        ])) }}
            as contribution_key,
        {{ pseudonym('citizen_id') }} as person_key,
        employer_uscc,
        contribution_month,
        insurance_type,
        contribution_base_yuan,
        contribution_amount_yuan,
        coalesce(is_paid, false) as is_paid,
        paid_on,
        not coalesce(is_paid, false) as is_in_arrears,
        delivery_date,
        loaded_at
    from current_rows
    qualify row_number() over (
        partition by citizen_id, employer_uscc, contribution_month, insurance_type
        order by source_row_number desc
    ) = 1
)

select * from final
