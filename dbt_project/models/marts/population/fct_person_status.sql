-- 人口状态 the headline definitions of the population, per person, at one
-- date (docs/DEFINITIONS.md). Every mart, dashboard and the brief count
-- persons from here: managed population, hukou, 60+, working age, insured.
-- As-of date: the newest delivery date of the population feed (register or
-- grid channel). Managed at that date: a residence spell covers it
-- (valid_from <= as_of < valid_to; fct_residence_spells decides residence by
-- time, not by channel). Identity (sex, birth date, hukou) from the register
-- (dim_person); a birth date after its delivery date is unknown (staging), so
-- is the age. Location is conformed: unknown levels are unlocated members.
with

persons as (
    select * from {{ ref('dim_person') }}
),

spells as (
    select * from {{ ref('fct_residence_spells') }}
),

insured as (
    select * from {{ ref('int_insured_persons_current') }}
),

deliveries as (
    select delivery_date from {{ ref('stg_population__register_records') }}
    union all
    select delivery_date from {{ ref('stg_population__grid_collections') }}
),

as_of as (
    select max(delivery_date) as as_of_date from deliveries
),

-- the spell covering the as-of date (at most one: spells of a person never overlap)
covering as (
    select spells.*
    from spells
    cross join as_of
    where spells.valid_from <= as_of.as_of_date and (spells.valid_to is null or spells.valid_to > as_of.as_of_date)
),

aged as (
    select
        persons.person_key,
        as_of.as_of_date,
        covering.person_key is not null as is_managed,
        covering.room_code,
        covering.building_code,
        covering.grid_code,
        covering.community_code,
        covering.street_code,
        covering.unlocated_reason,
        coalesce(persons.is_hukou, false) as is_hukou,
        coalesce(persons.sex, 'unknown') as sex,
        case
            when persons.birth_date <= as_of.as_of_date
                then {{ age_years('persons.birth_date', 'as_of.as_of_date') }}
        end as age_years,
        coalesce(insured.insurance_status = 'active' and not insured.is_deleted_upstream, false) as is_insured
    from persons
    cross join as_of
    left join covering on persons.person_key = covering.person_key
    left join insured on persons.person_key = insured.person_key
),

final as (
    select
        person_key,
        as_of_date,
        is_managed,
        room_code,
        building_code,
        grid_code,
        community_code,
        street_code,
        unlocated_reason,
        unlocated_reason is not null as is_unlocated,
        is_hukou,
        sex,
        cast(age_years as integer) as age_years,
        case
            when age_years is null then 'unknown'
            when age_years >= 100 then '100+'
            else {{ dbt.concat([
                as_string('cast(floor(age_years / 5) * 5 as integer)'), "'-'",
                as_string('cast(floor(age_years / 5) * 5 + 4 as integer)')]) }}
        end as age_band,
        case when age_years is not null then least(cast(floor(age_years / 5) * 5 as integer), 100) end
            as age_band_start,
        coalesce(age_years >= 60, false) as is_60_plus,
        coalesce(age_years between 16 and 59, false) as is_working_age,
        is_insured
    from aged
)

select * from final
