-- Both registries as one stream of entity versions, ready for SCD2: market
-- regulation sends changes, civil affairs sends full snapshots (a snapshot row
-- is a version as of its delivery date).
{{ config(
    materialized='incremental',
    unique_key='entity_version_id',
    incremental_strategy=large_fact_strategy(),
    on_schema_change='fail',
) }}

-- Incremental per version (entity and instant): a run re-derives each version
-- that a row loaded after the model's watermark touched, from all rows of that
-- version in either registry (the latest delivery wins). Keyed on the version,
-- not the entity: every civil-affairs snapshot is loaded anew, so keying on
-- the entity would rewrite each social organisation's whole history on every
-- delivery; this way a snapshot only adds its own versions, and a market
-- change only its own (with its pseudonym).
with

all_market as (
    select * from {{ ref('stg_entities__market_entity_changes') }}
),

all_social as (
    select * from {{ ref('stg_entities__social_organisations') }}
),

{% if is_incremental() %}
watermark as (
    select {{ incremental_watermark('loaded_at') }} as loaded_at
),

touched as (
    select
        all_market.uscc,
        all_market.changed_at as version_at
    from all_market
    cross join watermark
    where all_market.loaded_at > watermark.loaded_at
    union
    select
        all_social.uscc,
        cast(all_social.delivery_date as timestamp) as version_at
    from all_social
    cross join watermark
    where all_social.loaded_at > watermark.loaded_at
),

market as (
    select all_market.*
    from all_market
    inner join touched
        on
            all_market.uscc = touched.uscc
            and all_market.changed_at = touched.version_at
),

social as (
    select all_social.*
    from all_social
    inner join touched
        on
            all_social.uscc = touched.uscc
            and cast(all_social.delivery_date as timestamp) = touched.version_at
),
{% else %}
    market as (
        select * from all_market
    ),

    social as (
        select * from all_social
    ),
{% endif %}

from_market as (
    select
        uscc,
        'market_regulation' as registry,
        entity_name,
        entity_type,
        {{ pseudonym('legal_rep_citizen_id') }} as legal_rep_person_key,
        premises_room_code,
        premises_building_code,
        industry_code,
        industry_section,
        registration_status,
        established_on,
        cancelled_on,
        registered_capital_10k_yuan,
        employee_count,
        cast(null as integer) as certified_social_workers,
        cast(null as integer) as full_time_staff,
        changed_at as version_at,
        delivery_date,
        source_row_number,
        loaded_at
    from market
),

from_social as (
    select
        uscc,
        'civil_affairs' as registry,
        entity_name,
        entity_type,
        cast(null as string) as legal_rep_person_key,
        premises_room_code,
        premises_building_code,
        cast(null as string) as industry_code,
        'S' as industry_section,
        -- 正常 / 登记 is the live state; anything else (撤销, 注销 ...) is not
        case
            when status_text in ('正常', '登记', '存续') or status_text is null
                then 'active'
            else 'cancelled'
        end as registration_status,
        registered_on as established_on,
        cast(null as date) as cancelled_on,
        cast(null as double) as registered_capital_10k_yuan,
        cast(null as bigint) as employee_count,
        cast(certified_social_workers as integer) as certified_social_workers,
        cast(full_time_staff as integer) as full_time_staff,
        cast(delivery_date as timestamp) as version_at,
        delivery_date,
        source_row_number,
        loaded_at
    from social
),

unioned as (
    select * from from_market
    union all
    select * from from_social
),

final as (
    select
        {{ dbt.hash(dbt.concat(['uscc', "'|'", as_string('version_at')])) }} as entity_version_id,
        unioned.*
    from unioned
    -- one version per entity and instant: the latest delivery wins
    qualify row_number() over (
        partition by unioned.uscc, unioned.version_at
        order by unioned.delivery_date desc, unioned.source_row_number desc
    ) = 1
)

select * from final
