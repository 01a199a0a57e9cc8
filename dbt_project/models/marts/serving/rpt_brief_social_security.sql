-- Question (weekly brief, section 社保与救助): how many working-age residents
-- are insured, how many work for an employer in arrears, and how many receive
-- assistance? The district's brief lists its streets, a street's brief its
-- communities (rpt_social_security_coverage, the dashboard's dataset, summed
-- over published cells; coverage divides by the working-age residents of the
-- cells whose insured count is published).
with

coverage as (
    select * from {{ published('rpt_social_security_coverage') }}
),

per_community as (
    select
        street_code,
        street_name,
        community_code,
        community_name,
        working_age_residents,
        insured_residents,
        case when insured_residents is not null then working_age_residents end as covered_denominator,
        residents_with_employer_in_arrears,
        assistance_recipients,
        assistance_amount,
        case
            when
                working_age_residents is null
                or insured_residents is null
                or residents_with_employer_in_arrears is null
                or assistance_recipients is null
                then 1
            else 0
        end as communities_withheld
    from coverage
),

unioned as (
    {{ brief_area_rows('per_community', [
        'working_age_residents', 'insured_residents', 'covered_denominator',
        'residents_with_employer_in_arrears', 'assistance_recipients', 'assistance_amount',
        'communities_withheld']) }}
),

final as (
    select
        brief_area,
        {{ brief_order('working_age_residents') }} as brief_order,
        unit_code,
        -- a building of no known community (rpt_housing_rental) is unlocated too
        coalesce(area, unit_code, '未定位') as area,
        cast(working_age_residents as bigint) as working_age_residents,
        cast(insured_residents as bigint) as insured_residents,
        round(cast(insured_residents as double) / nullif(covered_denominator, 0), 3) as coverage_share,
        cast(residents_with_employer_in_arrears as bigint) as residents_with_employer_in_arrears,
        cast(assistance_recipients as bigint) as assistance_recipients,
        round(assistance_amount, 0) as assistance_amount_yuan,
        cast(communities_withheld as bigint) as communities_withheld
    from unioned
    where brief_area is not null
)

select * from final
