-- Question: what does the age pyramid of the people living in each community
-- look like at the population as-of date (5-year bands by sex)? Managed
-- persons of fct_person_status (one definition); an unknown or impossible
-- birth date is the band 'unknown', never a negative band.
with

persons as (
    select * from {{ ref('fct_person_status') }}
    where is_managed
),

final as (
    select
        {{ dbt.hash(dbt.concat(['community_code', "'|'", 'sex', "'|'", 'age_band'])) }} as pyramid_key,
        community_code,
        street_code,
        sex,
        age_band,
        age_band_start,
        count(*) as person_count
    from persons
    group by community_code, street_code, sex, age_band, age_band_start
)

select * from final
