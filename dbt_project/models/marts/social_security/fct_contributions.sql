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

deduplicated as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from current_rows
    qualify row_number() over (
        partition by {{ pseudonym_subject('citizen_id') }}, employer_uscc, contribution_month, insurance_type
        order by source_row_number desc
    ) = 1
),

-- a person has several rows a month (insurance types, employers): the
-- nested hash runs once per person, not once per row
persons as (
    select
        subjects.citizen_subject,
        {{ pseudonym('subjects.citizen_subject') }} as person_key
    from (select distinct citizen_subject from deduplicated) as subjects
),

-- the key hashes the pseudonym: an unkeyed hash of a citizen ID could be reversed
final as (
    select
        {{ dbt.hash(dbt.concat([
            'persons.person_key', "'|'", "coalesce(deduplicated.employer_uscc, '')", "'|'",
            as_string('deduplicated.contribution_month'), "'|'", 'deduplicated.insurance_type',
        ])) }}
            as contribution_key,
        persons.person_key,
        deduplicated.employer_uscc,
        deduplicated.contribution_month,
        deduplicated.insurance_type,
        deduplicated.contribution_base_yuan,
        deduplicated.contribution_amount_yuan,
        coalesce(deduplicated.is_paid, false) as is_paid,
        deduplicated.paid_on,
        not coalesce(deduplicated.is_paid, false) as is_in_arrears,
        deduplicated.delivery_date,
        deduplicated.loaded_at
    from deduplicated
    left join persons on deduplicated.citizen_subject = persons.citizen_subject
)

select * from final
