-- 居住轨迹 residence spells (SCD2 history of where each person lives): one row
-- per uninterrupted stay in one room; valid_to is exclusive and null while
-- the person still lives there. Consecutive statements of the same room from
-- either channel extend one spell.
-- depends_on: {{ ref('stg_housing__rooms') }}, {{ ref('stg_housing__buildings') }}
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per person: a delivery re-derives every spell of each person it
-- touched (a new statement from either channel, or a new register record such
-- as a delete), plus persons whose stored grid no longer matches their
-- building's (a building moved grid in a newer housing snapshot). The
-- watermark is the ingest's loaded_at, so a same-day corrected re-delivery
-- is picked up too.
-- The touched selection reads the large inputs by direct reference, not
-- through a CTE that is read again below: DuckDB materialises a CTE used
-- twice, which here would copy all ~10M observations on every run.
with

buildings as (
    select * from {{ ref('dim_building') }}
),

{% if is_incremental() %}
touched as (
    {{- keys_loaded_since_watermark(
        [ref('int_residence_observations'), ref('int_persons_registered')], 'person_key', 'last_loaded_at'
    ) }}
    {%- if has_loads_since_watermark(
        [ref('stg_housing__rooms'), ref('stg_housing__buildings')], 'last_loaded_at'
    ) %}
    -- only a housing delivery can move a building to another grid
    union
    select spells_now.person_key
    from {{ this }} as spells_now
    left join buildings on spells_now.building_code = buildings.building_code
    where coalesce(spells_now.grid_code, '') <> coalesce(buildings.grid_code, '')
    {%- endif %}
),

observations as (
    select all_observations.*
    from {{ ref('int_residence_observations') }} as all_observations
    inner join touched on all_observations.person_key = touched.person_key
),

registered as (
    select
        all_registered.person_key,
        all_registered.is_deleted_upstream,
        all_registered.changed_at,
        all_registered.loaded_at
    from {{ ref('int_persons_registered') }} as all_registered
    inner join touched on all_registered.person_key = touched.person_key
),
{% else %}
    observations as (
        select * from {{ ref('int_residence_observations') }}
    ),

    registered as (
        select
            person_key,
            is_deleted_upstream,
            changed_at,
            loaded_at
        from {{ ref('int_persons_registered') }}
    ),
{% endif %}

marked as (
    select
        *,
        case
            when room_code = lag(room_code) over (partition by person_key order by observed_on nulls last)
                then 0
            else 1
        end as is_new_spell
    from observations
),

numbered as (
    select
        *,
        sum(is_new_spell) over (
            partition by person_key order by observed_on nulls last rows unbounded preceding
        ) as spell_number
    from marked
),

spells as (
    select
        person_key,
        spell_number,
        room_code,
        min(observed_on) as valid_from,
        max(observed_on) as last_observed_on,
        max_by(residence_source, observed_on) as last_source,
        max(moved_out_on) as moved_out_on,
        max(loaded_at) as last_loaded_at,
        count(*) as observation_count
    from numbered
    group by person_key, spell_number, room_code
),

bounded as (
    select
        spells.*,
        lead(spells.valid_from) over (partition by spells.person_key order by spells.spell_number nulls last) as next_spell_from,
        max(spells.last_loaded_at) over (partition by spells.person_key) as person_loaded_at
    from spells
),

final as (
    select
        {{ dbt.hash(dbt.concat(['bounded.person_key', "'|'", as_string('bounded.valid_from')])) }}
            as spell_key,
        bounded.person_key,
        cast(bounded.spell_number as bigint) as spell_number,
        bounded.room_code,
        -- the room code starts with its building's code (FEEDS.md code scheme)
        substr(bounded.room_code, 1, 17) as building_code,
        buildings.grid_code,
        substr(bounded.room_code, 1, 12) as community_code,
        bounded.valid_from,
        case
            when bounded.next_spell_from is not null then bounded.next_spell_from
            -- the register says the person left, or deleted them, and no
            -- channel has seen them since
            when bounded.moved_out_on is not null and bounded.last_source = 'register'
                then bounded.moved_out_on
            when registered.is_deleted_upstream and bounded.last_source = 'register'
                then cast(registered.changed_at as date)
        end as valid_to,
        bounded.last_source as residence_source,
        bounded.observation_count,
        case
            when registered.loaded_at > bounded.person_loaded_at then registered.loaded_at
            else bounded.person_loaded_at
        end as last_loaded_at
    from bounded
    left join registered on bounded.person_key = registered.person_key
    left join buildings on substr(bounded.room_code, 1, 17) = buildings.building_code
),

flagged as (
    select
        *,
        valid_to is null as is_current
    from final
)

select * from flagged
