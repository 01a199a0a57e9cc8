-- Question: how many people will each community, street and the district
-- have in each of the next five years, by single year of age and sex? A
-- cohort-component projection (docs/PROJECTIONS.md) from the managed
-- population at the as-of date (year 0 = fct_person_status, one
-- definition): each year the survivors of every cohort age by one year
-- (survival ratios of the seed projection_survival), the year's births come
-- from the women 15-49 (projection_fertility, projection_births), and net
-- migration follows the rate each community, sex and age group showed over
-- the 12 months before the as-of date (residence spells, macros/projection.sql).
-- Projected per community; street and district rows are their sums, so the
-- figures conserve across levels. Persons of unknown age stay as they are.
{%- set years = var('projection_years') | int %}
{#- Spark reads the years as one chain (projection_step_chained); the var
    projection_chained runs that form on DuckDB too (tests/dbt/test_projections.py) #}
{%- set chained = target.type == 'spark' or var('projection_chained', false) %}
with

cohorts as (
    select * from {{ ref('fct_population_cohorts') }}
),

stock_start as (
    select
        community_code,
        street_code,
        sex,
        age_years,
        cast(person_count as double) as persons
    from cohorts
    where years_before_as_of = 1
),

year_0 as (
    select
        community_code,
        street_code,
        sex,
        age_years,
        cast(person_count as double) as persons
    from cohorts
    where years_before_as_of = 0
),

{{ migration_rates('stock_start', 'year_0', 'rates', var('projection_migration_credibility')) }},

{% if chained %}
    {#- one chain that reads each year once (macros/projection.sql projection_step_chained) #}
    years_0 as (
        select
            0 as projection_year,
            community_code,
            street_code,
            sex,
            age_years,
            persons
        from year_0
    ),

    {% for year in range(1, years + 1) %}
        {{ projection_step_chained('years_' ~ (year - 1), 'rates', 'years_' ~ year, year) }},
    {% endfor %}
{% else %}
    {% for year in range(1, years + 1) %}
        {{ projection_step('year_' ~ (year - 1), 'rates', 'year_' ~ year) }},
    {% endfor %}
{% endif %}

as_of as (
    select max(as_of_date) as as_of_date from cohorts
),

projected as (
    {%- if chained %}
        select
            projection_year,
            community_code,
            street_code,
            sex,
            age_years,
            sum(persons) as persons
        from years_{{ years }}
        group by projection_year, community_code, street_code, sex, age_years
    {%- else %}
        {%- for year in range(0, years + 1) %}
            select
                {{ year }} as projection_year,
                community_code,
                street_code,
                sex,
                age_years,
                sum(persons) as persons
            from year_{{ year }}
            group by community_code, street_code, sex, age_years
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endif %}
),

levels as (
    select
        'community' as unit_level,
        community_code as unit_code,
        street_code,
        community_code,
        projection_year,
        sex,
        age_years,
        persons
    from projected
    union all
    select
        'street' as unit_level,
        street_code as unit_code,
        street_code,
        cast(null as {{ dbt.type_string() }}) as community_code,
        projection_year,
        sex,
        age_years,
        sum(persons) as persons
    from projected
    group by street_code, projection_year, sex, age_years
    union all
    select
        'district' as unit_level,
        {{ district_code_of('street_code') }} as unit_code,
        cast(null as {{ dbt.type_string() }}) as street_code,
        cast(null as {{ dbt.type_string() }}) as community_code,
        projection_year,
        sex,
        age_years,
        sum(persons) as persons
    from projected
    group by {{ district_code_of('street_code') }}, projection_year, sex, age_years
),

final as (
    select
        {{ dbt.concat([
            'levels.unit_level', "'|'", 'levels.unit_code', "'|'", as_string('levels.projection_year'), "'|'",
            'levels.sex', "'|'", "coalesce(" ~ as_string('levels.age_years') ~ ", 'unknown')"]) }}
            as projection_key,
        levels.unit_level,
        levels.unit_code,
        levels.street_code,
        levels.community_code,
        as_of.as_of_date as base_date,
        cast(levels.projection_year as integer) as projection_year,
        cast({{ dbt.dateadd('year', 'levels.projection_year', 'as_of.as_of_date') }} as date) as projection_date,
        levels.sex,
        cast(levels.age_years as integer) as age_years,
        cast(levels.persons as double) as projected_persons
    from levels
    cross join as_of
)

select * from final
