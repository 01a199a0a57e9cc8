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
-- The levels are decided per cell in int_disclosure_cells (one definition).
--
-- Incremental per person: a run rewrites the persons dim_person wrote since
-- this model's last build and the persons of the cells whose level changed
-- since (int_disclosure_cells), each row marked with the build's start
-- (_written_at, never published: orchestration/publish.py copies no column
-- whose name starts with '_'). A person keeps their row until one of the two
-- changes, so every person sits at their cell's current level, as after a
-- full refresh; a post-hook drops persons dim_person no longer holds.
{{ config(
    alias='dim_person',
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    meta={'tests_written_rows': true},
    post_hook="{{ drop_rows_without_key(ref('dim_person'), 'person_key') }}",
) }}

{%- set in_its_cell = person_in_cell('person', 'cells') %}
{%- set placed_columns -%}
        person.*,
        cells.birth_band_5,
        cells.residence_street_code,
        cells.birth_band_20,
        cells.disclosure_level
{%- endset %}
{#- this model's last build, as a literal (macros/incremental.sql; an empty
    model: 1900, every person is new to it) -#}
{%- set last_build = incremental_watermark('_written_at') %}

with

-- every person in their cell; an incremental run: the persons dim_person
-- wrote since this model's last build (a literal watermark: both engines skip
-- the row groups of older writes), and the other persons of the cells whose
-- level changed since
placed as (
    select {{ placed_columns }}
    from {{ ref('dim_person') }} as person
    inner join {{ ref('int_disclosure_cells') }} as cells
        on {{ in_its_cell }}
    {%- if is_incremental() %}
    where person._written_at > {{ last_build }}
    union all
    select {{ placed_columns }}
    from {{ ref('dim_person') }} as person
    inner join {{ ref('int_disclosure_cells') }} as cells
        on {{ in_its_cell }}
    where
        cells._written_at > {{ last_build }}
        and person._written_at <= {{ last_build }}
    {%- endif %}
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
        is_cross_channel_duplicate,
        {{ written_at() }} as _written_at
    from placed
)

select * from final
