-- Question: how many working-age residents of each community are insured,
-- how many work for an employer in arrears, and how many receive assistance?
-- One row per community (Superset dataset rpt_social_security_coverage).
with

areas as (
    select * from {{ published('dim_community_current') }}
),

assistance as (
    -- counts below the disclosure threshold are withheld (NULL) in the serving copy
    select
        community_code,
        recipient_count,
        amount_yuan
    from {{ published('rpt_social_assistance') }}
),

final as (
    select
        areas.street_code,
        areas.street_name,
        coverage.community_code,
        areas.community_name,
        coverage.working_age_count as working_age_residents,
        coverage.insured_working_age_count as insured_residents,
        coverage.uninsured_working_age_count as uninsured_working_age,
        coverage.residents_with_employer_in_arrears,
        -- 0 where the community had no payment; a withheld count stays NULL
        case when assistance.community_code is null then 0 else assistance.recipient_count end
            as assistance_recipients,
        case when assistance.community_code is null then 0 else assistance.amount_yuan end
            as assistance_amount
    from {{ published('rpt_social_security') }} as coverage
    left join assistance on coverage.community_code = assistance.community_code
    left join areas on coverage.community_code = areas.community_code
)

select * from final
