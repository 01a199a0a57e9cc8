-- The register's latest word on each person (一数一源: identity comes from here).
-- Personal data leave this layer only as keyed pseudonyms.
-- each row written carries the build's start (_written_at): the scheduled build
-- tests the rows written since the last one (macros/test_scope.sql)
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
    meta={'tests_written_rows': true},
) }}

-- Incremental per person: a load newer than the model's watermark re-derives
-- each person it touched from all of their records. Persons are told apart
-- by the plain ID as the pseudonym normalises it, and only the one record
-- kept per touched person is pseudonymised (the nested hash is the costly part).
with

register_records as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_population__register_records') }}
    {{ where_touched_since_watermark(ref('stg_population__register_records'), 'citizen_id', 'loaded_at') }}
),

latest_record as (
    select * from register_records
    qualify row_number() over (
        partition by citizen_subject
        order by changed_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

latest as (
    select
        {{ pseudonym('citizen_id') }} as person_key,
        {{ pseudonym('person_name') }} as name_key,
        {{ pseudonym('phone') }} as phone_key,
        residence_permit_no is not null as has_residence_permit,
        sex,
        birth_date,
        ethnicity_code,
        is_hukou,
        room_code,
        building_code,
        community_code,
        moved_in_on,
        moved_out_on,
        change_type = 'delete' as is_deleted_upstream,
        changed_at,
        loaded_at,
        quality_flags,
        {{ written_at() }} as _written_at
    from latest_record
)

select * from latest
