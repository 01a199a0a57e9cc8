-- The pseudonym of every citizen ID the contribution feed (jfmx) ever
-- delivered, computed once: fct_contributions looks each month's persons up
-- here instead of hashing them again. A corrected month re-delivers ~3M
-- persons at district scale, and the keyed hash (a Python UDF,
-- zhiwang/pseudonym.py) was most of the cost of taking it in; now only the
-- persons never seen before are hashed.
-- Plain citizen IDs beside their pseudonyms: kept in the staging schema with
-- the other plain personal data, which publish never copies (docs/PRIVACY.md).
-- A new pseudonym key is a full refresh (check_pseudonym_key), which
-- recomputes every row.
-- each row written carries the build's start (_written_at): the scheduled build
-- tests the rows written since the last one (macros/test_scope.sql)
{{ config(
    materialized='incremental',
    schema='staging',
    unique_key='citizen_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    meta={'tests_written_rows': true},
) }}

-- Incremental: the IDs of rows loaded after the watermark that are not here
-- yet. first_loaded_at is the load that first delivered the ID, the same on
-- an incremental run as on a full one (an ID loaded earlier is here already).
-- The known IDs are dropped before the grouping: a corrected month re-delivers
-- ~14M rows of ~3M persons known already (district), and grouping them all
-- first cost ~1 CPU-s for nothing.
with

delivered_rows as (
    select
        delivered.citizen_id,
        delivered.loaded_at
    from {{ ref('stg_social_security__contributions') }} as delivered
    {%- if is_incremental() %}
        left join {{ this }} as known on delivered.citizen_id = known.citizen_id
        where
            delivered.citizen_id is not null
            and delivered.loaded_at > {{ incremental_watermark('first_loaded_at') }}
            and known.citizen_id is null
    {%- else %}
        where delivered.citizen_id is not null
    {%- endif %}
),

new_ids as (
    select
        citizen_id,
        min(loaded_at) as first_loaded_at
    from delivered_rows
    group by citizen_id
),

final as (
    select
        citizen_id,
        {{ pseudonym('citizen_id') }} as person_key,
        first_loaded_at,
        {{ written_at() }} as _written_at
    from new_ids
)

select * from final
