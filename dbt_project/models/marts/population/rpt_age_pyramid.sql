-- Question: what does the age pyramid of the people living in each community
-- look like today (5-year bands by sex)?
with

persons as (
    select * from {{ ref('dim_person') }}
),

as_of as (
    select max(residence_since) as as_of_on from persons
),

banded as (
    select
        persons.residence_community_code as community_code,
        persons.sex,
        least(cast(floor({{ age_years('persons.birth_date', 'as_of.as_of_on') }} / 5) * 5 as integer), 100) as age_band_start
    from persons
    cross join as_of
    where persons.is_resident and persons.birth_date is not null
),

final as (
    select
        {{ dbt.hash(dbt.concat(['community_code', "'|'", 'sex', "'|'", as_string('age_band_start')])) }}
            as pyramid_key,
        community_code,
        {{ street_code_of('community_code') }} as street_code,
        sex,
        age_band_start,
        count(*) as person_count
    from banded
    group by community_code, sex, age_band_start
)

select * from final
