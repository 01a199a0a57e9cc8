-- 人口状态 the headline definitions of the population, per person, at one
-- date (docs/DEFINITIONS.md). Every mart, dashboard and the brief count
-- persons from here: managed population, hukou, 60+, working age, insured.
-- As-of date: the newest delivery date of the population feed (register or
-- grid channel; int_population_as_of). Managed at that date: a residence
-- spell covers it (valid_from <= as_of < valid_to; fct_residence_spells
-- decides residence by time, not by channel). Identity (sex, birth date,
-- hukou) from the register (dim_person); a birth date after its delivery date
-- is unknown (staging), so is the age. Location is conformed: unknown levels
-- are unlocated members.
-- A view: the rows are int_person_status, which a daily run updates only for
-- the persons whose status changed; the as-of date, the same on every row,
-- is joined here rather than written into every row each day.
{{ config(materialized='view') }}

with

status as (
    select * from {{ ref('int_person_status') }}
),

as_of as (
    select as_of_date from {{ ref('int_population_as_of') }}
),

final as (
    select
        status.person_key,
        as_of.as_of_date,
        status.is_managed,
        status.room_code,
        status.building_code,
        status.grid_code,
        status.community_code,
        status.street_code,
        status.unlocated_reason,
        status.is_unlocated,
        status.is_hukou,
        status.sex,
        status.age_years,
        status.age_band,
        status.age_band_start,
        status.is_60_plus,
        status.is_working_age,
        status.is_insured
    from status
    cross join as_of
)

select * from final
