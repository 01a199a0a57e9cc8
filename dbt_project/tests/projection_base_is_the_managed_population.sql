-- The projection starts from the one managed population (docs/DEFINITIONS.md):
-- year 0 of rpt_population_projection, per community, sex and single year of
-- age (and the cohort stock it is built from), equals the managed persons of
-- fct_person_status at the as-of date. A row returned is a cell that differs.
with

status as (
    select
        community_code,
        sex,
        -- least() skips nulls: an unknown age stays unknown
        case when age_years is not null then least(age_years, 100) end as age_years,
        count(*) as managed
    from {{ ref('fct_person_status') }}
    where is_managed
    group by community_code, sex, case when age_years is not null then least(age_years, 100) end
),

cohorts as (
    select
        community_code,
        sex,
        age_years,
        sum(person_count) as persons
    from {{ ref('fct_population_cohorts') }}
    where years_before_as_of = 0
    group by community_code, sex, age_years
),

projection as (
    select
        community_code,
        sex,
        age_years,
        sum(projected_persons) as persons
    from {{ ref('rpt_population_projection') }}
    where unit_level = 'community' and projection_year = 0
    group by community_code, sex, age_years
),

cells as (
    select
        community_code,
        sex,
        age_years,
        managed,
        0 as cohort_persons,
        0 as projected_persons
    from status
    union all
    select
        community_code,
        sex,
        age_years,
        0 as managed,
        persons as cohort_persons,
        0 as projected_persons
    from cohorts
    union all
    select
        community_code,
        sex,
        age_years,
        0 as managed,
        0 as cohort_persons,
        persons as projected_persons
    from projection
),

compared as (
    select
        community_code,
        sex,
        age_years,
        sum(managed) as managed,
        sum(cohort_persons) as cohort_persons,
        sum(projected_persons) as projected_persons
    from cells
    group by community_code, sex, age_years
)

select * from compared
where managed <> cohort_persons or abs(managed - projected_persons) > 1e-9
