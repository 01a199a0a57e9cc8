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

by_street as (
    select
        'district' as brief_area,
        street_code as unit_code,
        min(street_name) as area,
        min(case when coalesce(substr(street_code, 7, 3), '999') = '999' then 1 else 0 end) = 1
            as is_unlocated,
        sum(working_age_residents) as working_age_residents,
        sum(insured_residents) as insured_residents,
        sum(case when insured_residents is not null then working_age_residents end)
            as covered_denominator,
        sum(residents_with_employer_in_arrears) as residents_with_employer_in_arrears,
        sum(assistance_recipients) as assistance_recipients,
        sum(assistance_amount) as assistance_amount,
        count(
            case
                when
                    working_age_residents is null
                    or insured_residents is null
                    or residents_with_employer_in_arrears is null
                    or assistance_recipients is null
                    then 1
            end
        ) as communities_withheld
    from coverage
    group by street_code
),

by_community as (
    select
        street_code as brief_area,
        community_code as unit_code,
        community_name as area,
        coalesce(substr(community_code, 10, 3), '999') = '999' as is_unlocated,
        working_age_residents,
        insured_residents,
        case when insured_residents is not null then working_age_residents end
            as covered_denominator,
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
    select * from by_street
    union all
    select * from by_community
),

final as (
    select
        brief_area,
        row_number() over (
            partition by brief_area
            order by is_unlocated desc, working_age_residents desc nulls last, unit_code asc nulls last
        ) as brief_order,
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
