-- Every dated statement about where a person lives, from both channels:
-- "P lives in room R from day D" (a register record, a grid / self sighting)
-- and "P no longer lives here from day D" (a register move-out or delete:
-- is_end). Residence is decided by time, not by channel (docs/DEFINITIONS.md):
-- per person and day the latest statement wins, whichever channel made it;
-- at the same second an end outranks a sighting. A register record without a
-- room still says the person lives in the district (room_code null: counted
-- on the unlocated members).
-- each row written carries the build's start (_written_at): the scheduled build
-- tests the rows written since the last one (macros/test_scope.sql)
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    meta={'tests_written_rows': true},
) }}

-- Incremental per person: a load of either channel newer than the model's
-- watermark re-derives every statement of each person it touched. Touched
-- persons are selected on the plain ID as the ingest delivers it (trimmed,
-- upper-case: already the pseudonym's subject), and only the rows kept for
-- touched persons are pseudonymised. Limit shared with the
-- other incremental models: rows that a corrected re-delivery dropped stay
-- until a full refresh unless the correction touches the same person.
with

{% if is_incremental() %}
    touched as (
        {{- keys_loaded_since_watermark(
            [ref('stg_population__register_records'), ref('stg_population__grid_collections')],
            'citizen_id', 'loaded_at'
        ) | indent(4) }}
    ),
{% endif %}

register_records as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_population__register_records') }}
    {%- if is_incremental() %}
        where citizen_id in (select touched.citizen_id from touched)
    {%- endif %}
),

collections as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_population__grid_collections') }}
    {%- if is_incremental() %}
        where citizen_id in (select touched.citizen_id from touched)
    {%- endif %}
),

from_register as (
    select
        citizen_subject,
        room_code,
        coalesce(moved_in_on, cast(changed_at as date)) as observed_on,
        changed_at as observed_at,
        false as is_end,
        'register' as residence_source,
        loaded_at
    from register_records
    where change_type <> 'delete'
    union all
    -- a move-out dated D ends the stay from D; a date without a time ranks
    -- after every sighting of that day (the person left during it)
    select
        citizen_subject,
        cast(null as {{ dbt.type_string() }}) as room_code,
        moved_out_on as observed_on,
        cast({{ dbt.dateadd('day', 1, 'moved_out_on') }} as timestamp) as observed_at,
        true as is_end,
        'register' as residence_source,
        loaded_at
    from register_records
    where change_type <> 'delete' and moved_out_on is not null
    union all
    select
        citizen_subject,
        cast(null as {{ dbt.type_string() }}) as room_code,
        cast(changed_at as date) as observed_on,
        changed_at as observed_at,
        true as is_end,
        'register' as residence_source,
        loaded_at
    from register_records
    where change_type = 'delete'
),

from_grid as (
    select
        citizen_subject,
        room_code,
        cast(collected_at as date) as observed_on,
        collected_at as observed_at,
        false as is_end,
        collection_channel as residence_source,
        loaded_at
    from collections
    where room_code is not null
),

unioned as (
    select * from from_register
    union all
    select * from from_grid
),

-- one statement per person and day: the latest, whichever channel; at the
-- same second an end (move-out, delete) outranks a sighting (pseudonymised
-- after this, on the rows kept only). The trailing keys only break ties
-- (grid and self channel at the same second), so that a full refresh and an
-- incremental run keep the same row.
daily as (
    select * from unioned
    where observed_on is not null
    qualify row_number() over (
        partition by citizen_subject, observed_on
        order by
            observed_at desc nulls last, is_end desc, room_code asc nulls last,
            residence_source asc nulls last, loaded_at desc
    ) = 1
),

keyed as (
    select
        {{ pseudonym('citizen_subject') }} as person_key,
        room_code,
        observed_on,
        observed_at,
        is_end,
        residence_source,
        loaded_at
    from daily
),

final as (
    select
        {{ dbt.hash(dbt.concat(['person_key', "'|'", as_string('observed_on')])) }} as observation_key,
        person_key,
        room_code,
        observed_on,
        observed_at,
        is_end,
        residence_source,
        loaded_at,
        {{ written_at() }} as _written_at
    from keyed
)

select * from final
