-- 人口队列 managed persons per community, sex and single year of age (100 =
-- 100+, null = age unknown) on three dates: the population as-of date and one
-- and two years before it - the observed stocks the projection starts from
-- and estimates net migration with (docs/PROJECTIONS.md). The managed
-- population's one definition (docs/DEFINITIONS.md) applied at each date: a
-- residence spell of fct_residence_spells covers the date; sex and birth date
-- dim_person's (from the register), carried on the spell; age in whole years
-- on that date (unknown when the birth date is missing or after the date).
-- At the as-of date this is fct_person_status's managed population (dbt test).
-- Small cells: internal.
with

spells as (
    select * from {{ ref('fct_residence_spells') }}
),

status as (
    select * from {{ ref('fct_person_status') }}
),

as_of as (
    select max(as_of_date) as as_of_date from status
),

dates as (
    {%- for years_before in [0, 1, 2] %}
        select
            {{ years_before }} as years_before_as_of,
            as_of.as_of_date,
            cast({{ dbt.dateadd('year', -years_before, 'as_of.as_of_date') }} as date) as observed_on
        from as_of
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- each spell that may cover one of the dates, with its person's sex and birth
-- date (on the spell: no join of the spells with dim_person)
spell_persons as (
    select
        spells.person_key,
        spells.community_code,
        spells.street_code,
        spells.valid_from,
        spells.valid_to,
        spells.sex,
        spells.birth_date
    from spells
    where spells.valid_to is null or spells.valid_to > (select min(dates.observed_on) from dates)
),

-- at most one spell of a person covers a date (spells never overlap)
covering as (
    select
        dates.years_before_as_of,
        dates.as_of_date,
        dates.observed_on,
        spell_persons.community_code,
        spell_persons.street_code,
        spell_persons.sex,
        spell_persons.birth_date
    from spell_persons
    inner join dates
        on
            spell_persons.valid_from <= dates.observed_on
            and (spell_persons.valid_to is null or spell_persons.valid_to > dates.observed_on)
),

aged as (
    select
        years_before_as_of,
        as_of_date,
        observed_on,
        community_code,
        street_code,
        coalesce(sex, 'unknown') as sex,
        case
            when birth_date <= observed_on
                then least({{ age_years('birth_date', 'observed_on') }}, 100)
        end as age_years
    from covering
),

final as (
    select
        {{ dbt.concat([
            as_string('years_before_as_of'), "'|'", 'community_code', "'|'", 'sex', "'|'",
            "coalesce(" ~ as_string('age_years') ~ ", 'unknown')"]) }} as cohort_key,
        cast(years_before_as_of as integer) as years_before_as_of,
        as_of_date,
        observed_on,
        street_code,
        community_code,
        sex,
        cast(age_years as integer) as age_years,
        count(*) as person_count
    from aged
    group by years_before_as_of, as_of_date, observed_on, street_code, community_code, sex, age_years
)

select * from final
