-- 实有人口 as published (the serving copy, Superset, analysts): one row per
-- person of internal.dim_person, with no exact quasi-identifier. Birth date,
-- ethnicity, room, building, employer and move-in date stay in the internal
-- schema, which publish never copies (docs/PRIVACY.md).
--
-- k-anonymity by local recoding: each person is published at the most
-- detailed level at which at least var('disclosure_k') persons not already
-- placed at a finer level share every published quasi-identifier, so every
-- published class (disclosure_level + the values it shows) holds >= k persons:
--   0  community, grid, sex, 5-year birth band, hukou
--   1  community, sex, 5-year birth band
--   2  community, sex, 20-year birth band
--   3  community
--   4  street
--   5  nothing (the remainder; bench/disclosure.py reports its size)
{{ config(alias='dim_person') }}

{%- set k = var('disclosure_k') | int %}

with

persons as (
    select
        person.*,
        {{ street_code_of('person.residence_community_code') }} as residence_street_code,
        cast(floor(year(person.birth_date) / 5) * 5 as integer) as birth_band_5,
        cast(floor(year(person.birth_date) / 20) * 20 as integer) as birth_band_20
    from {{ ref('dim_person') }} as person
),

level_0 as (
    select
        *,
        count(*) over (
            partition by residence_community_code, residence_grid_code, sex, birth_band_5, is_hukou
        ) as class_0
    from persons
),

level_1 as (
    select
        *,
        count(*) over (
            partition by class_0 >= {{ k }}, residence_community_code, sex, birth_band_5
        ) as class_1
    from level_0
),

level_2 as (
    select
        *,
        count(*) over (
            partition by class_0 >= {{ k }} or class_1 >= {{ k }}, residence_community_code, sex, birth_band_20
        ) as class_2
    from level_1
),

level_3 as (
    select
        *,
        count(*) over (
            partition by class_0 >= {{ k }} or class_1 >= {{ k }} or class_2 >= {{ k }}, residence_community_code
        ) as class_3
    from level_2
),

level_4 as (
    select
        *,
        count(*) over (
            partition by
                class_0 >= {{ k }} or class_1 >= {{ k }} or class_2 >= {{ k }} or class_3 >= {{ k }},
                residence_street_code
        ) as class_4
    from level_3
),

placed as (
    select
        *,
        case
            when class_0 >= {{ k }} then 0
            when class_1 >= {{ k }} then 1
            when class_2 >= {{ k }} then 2
            when class_3 >= {{ k }} then 3
            when class_4 >= {{ k }} then 4
            else 5
        end as disclosure_level
    from level_4
),

final as (
    select
        person_key,
        disclosure_level,
        case when disclosure_level <= 4 then residence_street_code end as residence_street_code,
        case when disclosure_level <= 3 then residence_community_code end as residence_community_code,
        case when disclosure_level = 0 then residence_grid_code end as residence_grid_code,
        case when disclosure_level <= 2 then sex end as sex,
        case
            when disclosure_level <= 1 then birth_band_5
            when disclosure_level = 2 then birth_band_20
        end as birth_year_band_start,
        case
            when disclosure_level <= 1 then 5
            when disclosure_level = 2 then 20
        end as birth_year_band_years,
        case when disclosure_level = 0 then is_hukou end as is_hukou,
        residence_source,
        is_resident,
        is_elderly_alone,
        is_disabled,
        is_dibao,
        is_tekun,
        is_child_in_distress,
        is_in_register,
        is_in_grid_channel,
        is_deleted_upstream,
        has_name_conflict,
        has_phone_conflict,
        has_residence_conflict,
        is_cross_channel_duplicate
    from placed
)

select * from final
