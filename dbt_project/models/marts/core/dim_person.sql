-- 实有人口 golden record, one row per person, pseudonymous.
-- Precedence (一数一源): identity (sex, birth date, ethnicity, hukou) from the
-- public-security register; current residence from the grid / self-declaration
-- channel, else the register. Disagreements are kept as evidence flags.
-- depends_on: {{ ref('stg_housing__rooms') }}, {{ ref('stg_housing__buildings') }}
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per person: a run re-derives each person whose register or
-- grid-channel record was loaded after the model's watermark (the ingest's
-- loaded_at), plus each person whose stored building or grid no longer matches
-- what dim_room / dim_building / dim_grid say now (the stored lookups are
-- recomputed and compared: a room moved to another building or a building to
-- another grid in a newer housing snapshot refreshes its residents). That
-- comparison reads every person, so it runs only when a rooms or buildings
-- delivery was loaded after the watermark.
with

rooms as (
    select * from {{ ref('dim_room') }}
),

buildings as (
    select * from {{ ref('dim_building') }}
),

grids as (
    select grid_code from {{ ref('dim_grid') }}
),

{% if is_incremental() %}
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
    left join buildings
        on coalesce(rooms.building_code, substr(persons_now.residence_room_code, 1, 17)) = buildings.building_code
    left join grids on persons_now.collected_grid_code = grids.grid_code
    where
        coalesce(persons_now.residence_building_code, '')
        <> coalesce(rooms.building_code, substr(persons_now.residence_room_code, 1, 17), '')
        or coalesce(persons_now.residence_grid_code, '') <> coalesce(buildings.grid_code, grids.grid_code, '')
    {%- endif %}
),
{% endif %}

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
        case when collected.person_key is not null then collected.room_code else registered.room_code end as residence_room_code,
        case when collected.person_key is not null then collected.collection_channel else 'register' end as residence_source,
        coalesce(cast(collected.collected_at as date), registered.moved_in_on) as residence_since,
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
        registered.moved_out_on as register_moved_out_on,
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
        merged.residence_room_code,
        coalesce(rooms.building_code, substr(merged.residence_room_code, 1, 17)) as residence_building_code,
        -- a grid channel code of an unknown community is no grid: kept as
        -- collected_grid_code, not as the conformed key
        coalesce(buildings.grid_code, grids.grid_code) as residence_grid_code,
        merged.collected_grid_code,
        substr(merged.residence_room_code, 1, 12) as residence_community_code,
        merged.residence_source,
        merged.residence_since,
        -- living here unless the register deleted or moved the person out and
        -- the grid channel has not seen them since
        not(
            merged.residence_source = 'register'
            and (merged.is_deleted_upstream or merged.register_moved_out_on is not null)
        ) as is_resident,
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
        merged.last_loaded_at
    from merged
    left join rooms on merged.residence_room_code = rooms.room_code
    left join buildings on coalesce(rooms.building_code, substr(merged.residence_room_code, 1, 17)) = buildings.building_code
    left join grids on merged.collected_grid_code = grids.grid_code
)

select * from final
