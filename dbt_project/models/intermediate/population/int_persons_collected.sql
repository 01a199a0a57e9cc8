-- The grid / self-declaration channel's latest word on each person: authoritative
-- for where the person lives now. Both channels seen for one person is kept as
-- evidence (a cross-channel duplicate), not an error.
{{ config(
    materialized='incremental',
    unique_key='person_key',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per person: a load newer than the model's watermark re-derives
-- each person it touched from all of their collections. The filter runs on
-- the plain ID in staging (normalised as the pseudonym normalises it), so only
-- the touched persons' rows are pseudonymised.
with

collections as (
    select * from {{ ref('stg_population__grid_collections') }}
    {{ where_touched_since_watermark(ref('stg_population__grid_collections'), 'upper(trim(citizen_id))', 'loaded_at') }}
),

keyed as (
    select
        {{ pseudonym('citizen_id') }} as person_key,
        {{ pseudonym('person_name') }} as name_key,
        {{ pseudonym('phone') }} as phone_key,
        collection_channel,
        collected_at,
        room_code,
        building_code,
        grid_code,
        community_code,
        employer_uscc,
        is_elderly_alone,
        is_disabled,
        is_dibao,
        is_tekun,
        is_child_in_distress,
        delivery_date,
        source_row_number,
        loaded_at
    from collections
),

channels as (
    select
        person_key,
        count(distinct collection_channel) as channel_count,
        count(*) as collection_count,
        max(loaded_at) as loaded_at
    from keyed
    group by person_key
),

latest as (
    select * from keyed
    qualify row_number() over (
        partition by person_key
        order by collected_at desc, delivery_date desc, source_row_number desc
    ) = 1
),

final as (
    select
        latest.person_key,
        latest.name_key,
        latest.phone_key,
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
        channels.loaded_at
    from latest
    inner join channels on latest.person_key = channels.person_key
)

select * from final
