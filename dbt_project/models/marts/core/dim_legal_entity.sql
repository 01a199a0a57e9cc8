-- 法人 legal entities from both registries, SCD2 on the status and premises:
-- one row per entity version, valid_from inclusive, valid_to exclusive.
{{ config(
    materialized='incremental',
    unique_key='uscc',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per entity: delete+insert on uscc replaces all versions of each
-- entity with a version loaded into int_entity_versions after the model's
-- watermark, re-derived from all of the entity's versions (lag() and lead()
-- need them). Every civil-affairs snapshot touches each social organisation
-- (~10k); a market entity is touched only by its own change rows.
with

versions as (
    select * from {{ ref('int_entity_versions') }}
    {{ where_touched_since_watermark(ref('int_entity_versions'), 'uscc', 'last_loaded_at') }}
),

changed as (
    select
        *,
        max(loaded_at) over (partition by uscc) as last_loaded_at,
        lag(registration_status) over (partition by uscc order by version_at nulls last) as previous_status,
        lag(premises_room_code) over (partition by uscc order by version_at nulls last) as previous_room_code,
        lag(entity_name) over (partition by uscc order by version_at nulls last) as previous_name
    from versions
),

-- a new version only when something tracked changed
tracked as (
    select * from changed
    where
        previous_status is null
        or registration_status <> previous_status
        or coalesce(premises_room_code, '') <> coalesce(previous_room_code, '')
        or entity_name <> previous_name
),

final as (
    select
        {{ dbt.hash(dbt.concat(['uscc', "'|'", as_string('version_at')])) }} as entity_version_key,
        uscc,
        registry,
        entity_name,
        entity_type,
        legal_rep_person_key,
        premises_room_code,
        premises_building_code,
        industry_code,
        industry_section,
        registration_status,
        registration_status = 'active' as is_active,
        established_on,
        cancelled_on,
        registered_capital_10k_yuan,
        employee_count,
        certified_social_workers,
        full_time_staff,
        version_at as valid_from,
        lead(version_at) over (partition by uscc order by version_at nulls last) as valid_to,
        lead(version_at) over (partition by uscc order by version_at nulls last) is null as is_current,
        last_loaded_at
    from tracked
)

select * from final
