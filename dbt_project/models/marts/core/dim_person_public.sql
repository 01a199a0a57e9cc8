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
{#- one definition of each derived quasi-identifier, for the persons and for the
    cells they are joined back to (a person matching no cell would be lost) -#}
{%- set street = street_code_of('person.residence_community_code') %}
{%- set band_5 = 'cast(floor(year(person.birth_date) / 5) * 5 as integer)' %}
{%- set band_20 = 'cast(floor(year(person.birth_date) / 20) * 20 as integer)' %}

with

persons as (
    select
        person.*,
        {{ street }} as residence_street_code,
        {{ band_5 }} as birth_band_5,
        {{ band_20 }} as birth_band_20
    from {{ ref('dim_person') }} as person
),

-- every level's class is a union of level-0 cells (street follows from the
-- community, the 20-year band from the 5-year band), so the levels are
-- decided once per cell, on a few thousand cells, not once per person
-- (a scan of its own: read through the persons CTE, DuckDB would
-- materialise every person's row once more)
cells as (
    select
        person.residence_community_code,
        person.residence_grid_code,
        person.sex,
        {{ band_5 }} as birth_band_5,
        person.is_hukou,
        max({{ street }}) as residence_street_code,
        max({{ band_20 }}) as birth_band_20,
        count(*) as class_0
    from {{ ref('dim_person') }} as person
    group by
        person.residence_community_code,
        person.residence_grid_code,
        person.sex,
        {{ band_5 }},
        person.is_hukou
),

level_1 as (
    select
        *,
        sum(class_0) over (
            partition by class_0 >= {{ k }}, residence_community_code, sex, birth_band_5
        ) as class_1
    from cells
),

level_2 as (
    select
        *,
        sum(class_0) over (
            partition by class_0 >= {{ k }} or class_1 >= {{ k }}, residence_community_code, sex, birth_band_20
        ) as class_2
    from level_1
),

level_3 as (
    select
        *,
        sum(class_0) over (
            partition by class_0 >= {{ k }} or class_1 >= {{ k }} or class_2 >= {{ k }}, residence_community_code
        ) as class_3
    from level_2
),

level_4 as (
    select
        *,
        sum(class_0) over (
            partition by
                class_0 >= {{ k }} or class_1 >= {{ k }} or class_2 >= {{ k }} or class_3 >= {{ k }},
                residence_street_code
        ) as class_4
    from level_3
),

placed_cells as (
    select
        residence_community_code,
        residence_grid_code,
        sex,
        birth_band_5,
        is_hukou,
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

-- null is a value of its own in a class (as in the partitions above)
placed as (
    select
        persons.*,
        placed_cells.disclosure_level
    from persons
    inner join placed_cells
        on
            persons.residence_community_code is not distinct from placed_cells.residence_community_code
            and persons.residence_grid_code is not distinct from placed_cells.residence_grid_code
            and persons.sex is not distinct from placed_cells.sex
            and persons.birth_band_5 is not distinct from placed_cells.birth_band_5
            and persons.is_hukou is not distinct from placed_cells.is_hukou
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
