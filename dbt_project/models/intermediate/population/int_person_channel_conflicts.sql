-- The persons whose public-security register and grid channel disagree now
-- (name, phone or residence room), with both channels' values and dates: the
-- person part of the stewardship queue (rpt_stewardship_queue). Pseudonymous.
{#- Spark's Parquet tables cannot DELETE (the pre-hook): a table there -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    pre_hook="{{ delete_touched_persons(['int_persons_registered', 'int_persons_collected']) }}",
) }}

-- Incremental per person: a run re-reads the persons either channel loaded
-- after the watermark. A touched person who agrees now has no row, so the
-- pre-hook first removes every touched person (delete+insert alone removes
-- only the keys the run writes again); untouched persons keep their row, as
-- neither of their records changed. Reading the two channels person by
-- person over the whole register was most of the daily stewardship build.
with

{% if is_incremental() %}
touched as (
    {{- keys_loaded_since_watermark(
        [ref('int_persons_registered'), ref('int_persons_collected')], 'person_key', 'last_loaded_at'
    ) }}
),
{% endif %}

-- both channels' records as one list, each cut to the touched persons where
-- it is read (one record per person and channel: both models are unique on
-- person_key). Paired by grouping rather than by a join: a planner may move a
-- join's filters, and for a join of the two channels it did, joining every
-- registered with every collected person before cutting the result to the
-- touched ones; a filter on each branch of a union stays at its scan.
records as (
    select
        person_key,
        1 as is_register,
        name_key,
        phone_key,
        room_code,
        changed_at as stated_at,
        loaded_at
    from {{ ref('int_persons_registered') }}
    where not is_deleted_upstream
    {%- if is_incremental() %}
        and person_key in (select touched.person_key from touched)
    {%- endif %}
    union all
    select
        person_key,
        0 as is_register,
        name_key,
        phone_key,
        room_code,
        collected_at as stated_at,
        loaded_at
    from {{ ref('int_persons_collected') }}
    {%- if is_incremental() %}
    where person_key in (select touched.person_key from touched)
    {%- endif %}
),

-- the persons in both channels, one row with each channel's values
paired as (
    select
        person_key,
        max(case when is_register = 1 then name_key end) as register_name_key,
        max(case when is_register = 0 then name_key end) as grid_name_key,
        max(case when is_register = 1 then phone_key end) as register_phone_key,
        max(case when is_register = 0 then phone_key end) as grid_phone_key,
        max(case when is_register = 1 then room_code end) as register_room_code,
        max(case when is_register = 0 then room_code end) as grid_room_code,
        max(case when is_register = 1 then stated_at end) as register_at,
        max(case when is_register = 0 then stated_at end) as grid_at,
        max(case when is_register = 1 then loaded_at end) as register_loaded_at,
        max(case when is_register = 0 then loaded_at end) as grid_loaded_at
    from records
    group by person_key
    having sum(is_register) = 1 and count(*) = 2
),

final as (
    select
        person_key,
        register_name_key,
        grid_name_key,
        register_phone_key,
        grid_phone_key,
        register_room_code,
        grid_room_code,
        register_at,
        grid_at,
        case
            when register_loaded_at > grid_loaded_at then register_loaded_at
            else grid_loaded_at
        end as last_loaded_at
    from paired
    where
        register_name_key <> grid_name_key
        or register_phone_key <> grid_phone_key
        or register_room_code <> grid_room_code
)

select * from final
