-- Question: how many residents of each community receive social assistance
-- (低保 / 特困 / 临时救助), and how much was paid? The published form of
-- internal.fct_assistance_payments, whose rows are persons.
with

payments as (
    select * from {{ ref('fct_assistance_payments') }}
),

final as (
    select
        community_code,
        max(street_code) as street_code,
        count(distinct person_key) as recipient_count,
        sum(amount_yuan) as amount_yuan
    from payments
    group by community_code
)

select * from final
