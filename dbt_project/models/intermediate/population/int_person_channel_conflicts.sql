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

registered as (
    select * from {{ ref('int_persons_registered') }}
    where not is_deleted_upstream
),

collected as (
    select * from {{ ref('int_persons_collected') }}
),

{% if is_incremental() %}
touched as (
    {{- keys_loaded_since_watermark(
        [ref('int_persons_registered'), ref('int_persons_collected')], 'person_key', 'last_loaded_at'
    ) }}
),
{% endif %}

final as (
    select
        registered.person_key,
        registered.name_key as register_name_key,
        collected.name_key as grid_name_key,
        registered.phone_key as register_phone_key,
        collected.phone_key as grid_phone_key,
        registered.room_code as register_room_code,
        collected.room_code as grid_room_code,
        registered.changed_at as register_at,
        collected.collected_at as grid_at,
        case
            when registered.loaded_at > collected.loaded_at then registered.loaded_at
            else collected.loaded_at
        end as last_loaded_at
    from registered
    inner join collected on registered.person_key = collected.person_key
    {%- if is_incremental() %}
        inner join touched on registered.person_key = touched.person_key
    {%- endif %}
    where
        registered.name_key <> collected.name_key
        or registered.phone_key <> collected.phone_key
        or registered.room_code <> collected.room_code
)

select * from final
