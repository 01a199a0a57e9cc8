-- 居住轨迹 residence spells (SCD2 history of where each person lives): one row
-- per uninterrupted stay in one room; valid_to is exclusive and null while
-- the person still lives there. Consecutive statements of the same room from
-- either channel extend one spell; the next statement of another room, or a
-- register move-out / delete (an end statement), closes it - by time, not by
-- channel (int_residence_observations). Every spell has a grid, community and
-- street: unknown levels are the unlocated members (macros/geography.sql).
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
    {{ location_joins('spells_now.room_code', 'buildings.grid_code', 'now') | indent(4) }}
    where spells_now.grid_code <> {{ located_grid('now') }}
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
        all_registered.sex,
        all_registered.birth_date,
        all_registered.is_hukou,
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
            sex,
            birth_date,
            is_hukou,
            is_deleted_upstream,
            changed_at,
            loaded_at
        from {{ ref('int_persons_registered') }}
    ),
{% endif %}

-- a new spell starts at each statement that changes the room, and at each
-- end (move-out, delete); end statements only close the spell before them
marked as (
    select
        *,
        case
            when is_end then 1
            when lag(is_end) over (partition by person_key order by observed_on nulls last) then 1
            when
                coalesce(room_code, '')
                = lag(coalesce(room_code, '')) over (partition by person_key order by observed_on nulls last)
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

grouped as (
    select
        person_key,
        spell_number,
        max(room_code) as room_code,
        bool_or(is_end) as is_end,
        min(observed_on) as valid_from,
        max_by(residence_source, observed_on) as last_source,
        max(loaded_at) as last_loaded_at,
        count(*) as observation_count
    from numbered
    group by person_key, spell_number
),

bounded as (
    select
        grouped.*,
        lead(grouped.valid_from) over (partition by grouped.person_key order by grouped.spell_number nulls last)
            as next_spell_from,
        max(grouped.last_loaded_at) over (partition by grouped.person_key) as person_loaded_at
    from grouped
),

spells as (
    select
        person_key,
        row_number() over (partition by person_key order by spell_number nulls last) as spell_number,
        room_code,
        valid_from,
        next_spell_from as valid_to,
        last_source,
        last_loaded_at,
        person_loaded_at,
        observation_count
    from bounded
    where not is_end
),

final as (
    select
        {{ dbt.hash(dbt.concat(['spells.person_key', "'|'", as_string('spells.valid_from')])) }}
            as spell_key,
        spells.person_key,
        cast(spells.spell_number as bigint) as spell_number,
        spells.room_code,
        -- the room code starts with its building's code (docs/FEEDS.md code scheme)
        substr(spells.room_code, 1, 17) as building_code,
        -- conformed location: unknown levels go to the unlocated members
        {{ located_grid('loc') }} as grid_code,
        {{ located_community('loc') }} as community_code,
        {{ street_code_of(located_community('loc')) }} as street_code,
        {{ unlocated_reason('spells.room_code', 'loc', 'building_without_grid') }} as unlocated_reason,
        spells.valid_from,
        spells.valid_to,
        spells.last_source as residence_source,
        spells.observation_count,
        -- the person's sex, birth date and hukou as the register states them
        -- now (dim_person's, which takes them from the register alone), on
        -- every spell: the marts that count spells by them
        -- (fct_population_snapshot, fct_population_cohorts) need no join of
        -- every spell with every person (district: 5.6M x 5.5M, 1.2-1.4
        -- CPU-s each). A register record re-derives the person's spells
        -- (touched above), so they change when dim_person's do.
        registered.sex,
        registered.birth_date,
        registered.is_hukou,
        case
            when registered.loaded_at > spells.person_loaded_at then registered.loaded_at
            else spells.person_loaded_at
        end as last_loaded_at
    from spells
    left join registered on spells.person_key = registered.person_key
    left join buildings on substr(spells.room_code, 1, 17) = buildings.building_code
    {{ location_joins('spells.room_code', 'buildings.grid_code', 'loc') }}
),

flagged as (
    select
        *,
        valid_to is null as is_current,
        {{ written_at() }} as _written_at
    from final
)

select * from flagged
