-- The grid / self-declaration channel's latest word on each person: authoritative
-- for where the person lives now. Both channels seen for one person is kept as
-- evidence (a cross-channel duplicate), not an error.
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
-- each person it touched from all of their collections. Persons are told
-- apart by the plain ID as the pseudonym normalises it, and only the one row
-- kept per touched person is pseudonymised (the nested hash is the costly part).
with

collections as (
    select
        *,
        {{ pseudonym_subject('citizen_id') }} as citizen_subject
    from {{ ref('stg_population__grid_collections') }}
    {{ where_touched_since_watermark(ref('stg_population__grid_collections'), 'citizen_id', 'loaded_at') }}
),

channels as (
    select
        citizen_subject,
        count(distinct collection_channel) as channel_count,
        count(*) as collection_count,
        max(loaded_at) as loaded_at
    from collections
    group by citizen_subject
),

latest as (
    select * from collections
    qualify row_number() over (
        partition by citizen_subject
        order by collected_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

final as (
    select
        {{ pseudonym('latest.citizen_id') }} as person_key,
        {{ pseudonym('latest.person_name') }} as name_key,
        {{ pseudonym('latest.phone') }} as phone_key,
        latest.collection_channel,
        latest.collected_at,
        latest.room_code,
        latest.building_code,
        latest.grid_code,
        latest.community_code,
        latest.employer_uscc,
        latest.is_elderly_alone,
        latest.is_disabled,
        latest.is_dibao,
        latest.is_tekun,
        latest.is_child_in_distress,
        channels.collection_count,
        channels.channel_count > 1 as is_cross_channel_duplicate,
        channels.loaded_at,
        {{ written_at() }} as _written_at
    from latest
    inner join channels on latest.citizen_subject = channels.citizen_subject
)

select * from final
