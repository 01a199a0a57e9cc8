-- 实有人口 golden record, one row per person, pseudonymous.
-- Precedence (一数一源): identity (sex, birth date, ethnicity, hukou) from the
-- public-security register; residence from the person's latest residence
-- spell (fct_residence_spells: by time, not by channel - the latest dated
-- statement of either channel wins, a register move-out or delete after the
-- last sighting ends it). Disagreements are kept as evidence flags.
-- depends_on: {{ ref('stg_housing__rooms') }}, {{ ref('stg_housing__buildings') }}
-- each row written carries the build's start (_written_at): the scheduled build
-- tests the rows written since the last one (macros/test_scope.sql)
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    meta={'tests_written_rows': true},
) }}

-- Incremental per person: a run re-derives each person whose register or
-- grid-channel record was loaded after the model's watermark (the ingest's
-- loaded_at), plus each person whose stored building or grid no longer matches
-- what dim_room and their latest spell say now (a room moved to another
-- building or a building to another grid in a newer housing snapshot
-- refreshes its residents; fct_residence_spells is rebuilt first). That
-- comparison reads every person, so it runs only when a rooms or buildings
-- delivery was loaded after the watermark.
with

rooms as (
    select * from {{ ref('dim_room') }}
),

{% if is_incremental() %}
-- every person's latest spell, for the housing check below only (read on
-- the days a housing delivery arrived)
all_latest_spells as (
    select * from {{ ref('fct_residence_spells') }}
    qualify row_number() over (partition by person_key order by spell_number desc) = 1
),

touched as (
    {{- keys_loaded_since_watermark(
        [ref('int_persons_registered'), ref('int_persons_collected')], 'person_key', 'last_loaded_at'
    ) }}
    {%- if has_loads_since_watermark(
        [ref('stg_housing__rooms'), ref('stg_housing__buildings')], 'last_loaded_at'
    ) %}
    -- only a housing delivery can move a room or a building (grids only ever
    -- gain members, and a person's own collected grid is observed with them)
    union
    select persons_now.person_key
    from {{ this }} as persons_now
    left join rooms on persons_now.residence_room_code = rooms.room_code
    left join all_latest_spells on persons_now.person_key = all_latest_spells.person_key
    where
        coalesce(persons_now.residence_building_code, '')
        <> coalesce(rooms.building_code, substr(persons_now.residence_room_code, 1, 17), '')
        or coalesce(persons_now.residence_grid_code, '') <> coalesce(all_latest_spells.grid_code, '')
    {%- endif %}
),
{% endif %}

-- each person's latest spell (one per person): on an incremental run, of
-- the persons it re-derives only
latest_spells as (
    select * from {{ ref('fct_residence_spells') }}
    {%- if is_incremental() %}
    where person_key in (select touched.person_key from touched)
    {%- endif %}
    qualify row_number() over (partition by person_key order by spell_number desc) = 1
),

registered as (
    select * from {{ ref('int_persons_registered') }}
    {%- if is_incremental() %}
        where person_key in (select touched.person_key from touched)
    {%- endif %}
),

collected as (
    select * from {{ ref('int_persons_collected') }}
    {%- if is_incremental() %}
        where person_key in (select touched.person_key from touched)
    {%- endif %}
),

people as (
    select person_key from registered
    union
    select person_key from collected
),

merged as (
    select
        people.person_key,
        registered.sex,
        registered.birth_date,
        registered.ethnicity_code,
        registered.is_hukou,
        coalesce(registered.has_residence_permit, false) as has_residence_permit,
        collected.grid_code as collected_grid_code,
        collected.employer_uscc,
        coalesce(collected.is_elderly_alone, false) as is_elderly_alone,
        coalesce(collected.is_disabled, false) as is_disabled,
        coalesce(collected.is_dibao, false) as is_dibao,
        coalesce(collected.is_tekun, false) as is_tekun,
        coalesce(collected.is_child_in_distress, false) as is_child_in_distress,
        registered.person_key is not null as is_in_register,
        collected.person_key is not null as is_in_grid_channel,
        coalesce(registered.is_deleted_upstream, false) as is_deleted_upstream,
        coalesce(registered.name_key <> collected.name_key, false) as has_name_conflict,
        coalesce(registered.phone_key <> collected.phone_key, false) as has_phone_conflict,
        coalesce(registered.room_code <> collected.room_code, false) as has_residence_conflict,
        coalesce(collected.is_cross_channel_duplicate, false) as is_cross_channel_duplicate,
        case
            when collected.loaded_at is null or registered.loaded_at > collected.loaded_at
                then registered.loaded_at
            else collected.loaded_at
        end as last_loaded_at
    from people
    left join registered on people.person_key = registered.person_key
    left join collected on people.person_key = collected.person_key
),

final as (
    select
        merged.person_key,
        merged.sex,
        merged.birth_date,
        merged.ethnicity_code,
        merged.is_hukou,
        merged.has_residence_permit,
        latest_spells.room_code as residence_room_code,
        coalesce(rooms.building_code, latest_spells.building_code) as residence_building_code,
        -- conformed (unlocated members when unknown); the grid channel's own
        -- code is kept as delivered in collected_grid_code
        latest_spells.grid_code as residence_grid_code,
        merged.collected_grid_code,
        latest_spells.community_code as residence_community_code,
        latest_spells.residence_source,
        latest_spells.valid_from as residence_since,
        -- the latest spell is still open: no later statement of another room,
        -- move-out or delete (the headline rule at a date: fct_person_status)
        coalesce(latest_spells.is_current, false) as is_resident,
        merged.employer_uscc,
        merged.is_elderly_alone,
        merged.is_disabled,
        merged.is_dibao,
        merged.is_tekun,
        merged.is_child_in_distress,
        merged.is_in_register,
        merged.is_in_grid_channel,
        merged.is_deleted_upstream,
        merged.has_name_conflict,
        merged.has_phone_conflict,
        merged.has_residence_conflict,
        merged.is_cross_channel_duplicate,
        merged.last_loaded_at,
        {{ written_at() }} as _written_at
    from merged
    left join latest_spells on merged.person_key = latest_spells.person_key
    left join rooms on latest_spells.room_code = rooms.room_code
)

select * from final
