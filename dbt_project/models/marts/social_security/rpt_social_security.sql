-- Question: per community, what share of working-age residents (16-59) is
-- insured, how many insured residents live here, and how many employees of
-- employers in arrears? (社保覆盖) Every managed person of fct_person_status
-- is counted once (unlocated communities included).
with

persons as (
    select * from {{ ref('fct_person_status') }}
    where is_managed
),

insured as (
    select * from {{ ref('int_insured_persons_current') }}
),

contributions as (
    select * from {{ ref('fct_contributions') }}
),

as_of as (
    select max(contribution_month) as as_of_month from contributions
),

arrears_employers as (
    select distinct contributions.employer_uscc
    from contributions
    cross join as_of
    where contributions.is_in_arrears and contributions.contribution_month = as_of.as_of_month
),

-- the insured persons whose employer is in arrears (one row per person:
-- int_insured_persons_current is one row per person), found before the
-- managed persons are joined, so that join looks up a few persons rather than
-- every insured one (issue 15: ~1.5 CPU-s of the daily build)
in_arrears as (
    select insured.person_key
    from insured
    inner join arrears_employers on insured.employer_uscc = arrears_employers.employer_uscc
),

-- managed persons, working age and insured as fct_person_status defines
-- them (at the population as-of date): one definition for every mart
residents as (
    select
        persons.person_key,
        persons.community_code,
        persons.street_code,
        persons.is_working_age,
        persons.is_insured,
        in_arrears.person_key is not null as has_employer_in_arrears
    from persons
    left join in_arrears on persons.person_key = in_arrears.person_key
),

final as (
    select
        community_code,
        street_code,
        count(*) as resident_count,
        count(*) filter (where is_working_age) as working_age_count,
        count(*) filter (where is_working_age and is_insured) as insured_working_age_count,
        cast(count(*) filter (where is_working_age and is_insured) as double)
        / nullif(count(*) filter (where is_working_age), 0) as insured_share_working_age,
        count(*) filter (where is_working_age and not is_insured) as uninsured_working_age_count,
        count(*) filter (where has_employer_in_arrears) as residents_with_employer_in_arrears
    from residents
    group by community_code, street_code
)

select * from final
