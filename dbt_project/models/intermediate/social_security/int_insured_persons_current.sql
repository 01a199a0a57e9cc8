-- The latest state of each insured person (参保人员), pseudonymous.
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
-- each person it touched from all of their changes. Persons are told apart by
-- the plain ID as the pseudonym normalises it, and only the one change kept
-- per touched person is pseudonymised (the nested hash is the costly part).
with

changes as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_social_security__insured_person_changes') }}
    {{ where_touched_since_watermark(ref('stg_social_security__insured_person_changes'), 'citizen_id', 'loaded_at') }}
),

latest_change as (
    select * from changes
    qualify row_number() over (
        partition by citizen_subject order by changed_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

latest as (
    select
        {{ pseudonym('citizen_id') }} as person_key,
        employer_uscc,
        insurance_status,
        start_month,
        has_pension,
        has_medical,
        has_unemployment,
        has_work_injury,
        has_maternity,
        change_type = 'delete' as is_deleted_upstream,
        changed_at,
        loaded_at,
        {{ written_at() }} as _written_at
    from latest_change
)

select * from latest
