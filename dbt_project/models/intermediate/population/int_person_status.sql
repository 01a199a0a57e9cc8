-- 人口状态 each person's status at the population as-of date
-- (int_population_as_of), without the date itself: fct_person_status is this
-- table with the as-of date beside every row, and its comments hold the
-- definitions (docs/DEFINITIONS.md). Kept apart so that a daily run rewrites
-- only the persons whose status changed, not every person because the date
-- on every row moved.
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

-- Incremental per person. A run re-derives each person
-- - whose dim_person row, residence spells or insured-person state was loaded
--   after the model's watermark (last_loaded_at: the newest of the three);
-- - whose status the moving as-of date changes: a row holds the first date it
--   may differ on (status_valid_until: the next birthday, the covering
--   spell's end, the next spell's start, a birth date still to come), and the
--   run re-derives every row whose date the new as-of date reached;
-- - on a day a rooms or buildings delivery was loaded, whose stored location
--   differs from the covering spell's (a building moved grid re-derives its
--   spells without a newer load, fct_residence_spells).
-- A date is conservative: a Feb 29 birthday's is Feb 28 in a common year, the
-- person is re-derived (unchanged) until the age moves on Mar 1.
with

as_of as (
    select as_of_date from {{ ref('int_population_as_of') }}
),

{% if is_incremental() %}
{%- set watermark = incremental_watermark('last_loaded_at') %}
touched as (
    select person_key from {{ ref('dim_person') }}
    where last_loaded_at > {{ watermark }}
    union
    select person_key from {{ ref('fct_residence_spells') }}
    where last_loaded_at > {{ watermark }}
    union
    select person_key from {{ ref('int_insured_persons_current') }}
    where loaded_at > {{ watermark }}
    union
    select stored.person_key
    from {{ this }} as stored
    cross join as_of
    where stored.status_valid_until <= as_of.as_of_date
    {%- if has_loads_since_watermark(
        [ref('stg_housing__rooms'), ref('stg_housing__buildings')], 'last_loaded_at'
    ) %}
    union
    select stored.person_key
    from {{ this }} as stored
    cross join as_of
    left join {{ ref('fct_residence_spells') }} as spells
        on
            stored.person_key = spells.person_key
            and spells.valid_from <= as_of.as_of_date
            and (spells.valid_to is null or spells.valid_to > as_of.as_of_date)
    where
        stored.grid_code is distinct from spells.grid_code
        or stored.community_code is distinct from spells.community_code
        or stored.street_code is distinct from spells.street_code
        or stored.unlocated_reason is distinct from spells.unlocated_reason
    {%- endif %}
),
{% endif %}

persons as (
    select
        person_key,
        is_hukou,
        sex,
        birth_date,
        last_loaded_at
    from {{ ref('dim_person') }}
    {%- if is_incremental() %}
    where person_key in (select touched.person_key from touched)
    {%- endif %}
),

spells as (
    select
        person_key,
        room_code,
        building_code,
        grid_code,
        community_code,
        street_code,
        unlocated_reason,
        valid_from,
        valid_to,
        last_loaded_at
    from {{ ref('fct_residence_spells') }}
    {%- if is_incremental() %}
    where person_key in (select touched.person_key from touched)
    {%- endif %}
),

insured as (
    select
        person_key,
        insurance_status,
        is_deleted_upstream,
        loaded_at
    from {{ ref('int_insured_persons_current') }}
    {%- if is_incremental() %}
    where person_key in (select touched.person_key from touched)
    {%- endif %}
),

-- the spell covering the as-of date (at most one: spells of a person never overlap)
covering as (
    select spells.*
    from spells
    cross join as_of
    where spells.valid_from <= as_of.as_of_date and (spells.valid_to is null or spells.valid_to > as_of.as_of_date)
),

-- the start of a person's next spell after the as-of date (a move-in to come)
upcoming as (
    select
        spells.person_key,
        min(spells.valid_from) as next_spell_from
    from spells
    cross join as_of
    where spells.valid_from > as_of.as_of_date
    group by spells.person_key
),

-- the newest load of each person's spells (every spell of a person carries it)
spell_loads as (
    select
        person_key,
        max(last_loaded_at) as last_loaded_at
    from spells
    group by person_key
),

aged as (
    select
        persons.person_key,
        as_of.as_of_date,
        persons.birth_date,
        covering.person_key is not null as is_managed,
        covering.room_code,
        covering.building_code,
        covering.grid_code,
        covering.community_code,
        covering.street_code,
        covering.unlocated_reason,
        covering.valid_to as covering_valid_to,
        upcoming.next_spell_from,
        coalesce(persons.is_hukou, false) as is_hukou,
        coalesce(persons.sex, 'unknown') as sex,
        case
            when persons.birth_date <= as_of.as_of_date
                then {{ age_years('persons.birth_date', 'as_of.as_of_date') }}
        end as age_years,
        coalesce(insured.insurance_status = 'active' and not insured.is_deleted_upstream, false) as is_insured,
        -- greatest() skips nulls on both engines
        greatest(persons.last_loaded_at, spell_loads.last_loaded_at, insured.loaded_at) as last_loaded_at
    from persons
    cross join as_of
    left join covering on persons.person_key = covering.person_key
    left join upcoming on persons.person_key = upcoming.person_key
    left join spell_loads on persons.person_key = spell_loads.person_key
    left join insured on persons.person_key = insured.person_key
),

final as (
    select
        person_key,
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
        is_insured,
        -- the first as-of date at which this row may change without a new load
        -- (null: never); least() skips nulls on both engines
        least(
            covering_valid_to,
            next_spell_from,
            case
                when birth_date > as_of_date then birth_date
                when age_years is not null
                    then cast({{ dbt.dateadd('year', 'age_years + 1', 'birth_date') }} as date)
            end
        ) as status_valid_until,
        last_loaded_at,
        {{ written_at() }} as _written_at
    from aged
)

select * from final
