-- 救助发放 one row per social-assistance payment (低保 / 特困 / 临时救助).
with

payments as (
    select * from {{ ref('stg_social_security__assistance_payments') }}
),

final as (
    select
        payment_id,
        {{ pseudonym('citizen_id') }} as person_key,
        {{ pseudonym('household_id') }} as household_key,
        assistance_program,
        payment_month,
        amount_yuan,
        community_code,
        {{ street_code_of('community_code') }} as street_code,
        approved_at,
        delivery_date
    from payments
    qualify row_number() over (
        partition by payment_id order by delivery_date desc, source_row_number desc
    ) = 1
)

select * from final
