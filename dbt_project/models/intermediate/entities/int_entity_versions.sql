-- Both registries as one stream of entity versions, ready for SCD2: market
-- regulation sends changes, civil affairs sends full snapshots (a snapshot row
-- is a version as of its delivery date).
with

market as (
    select * from {{ ref('stg_entities__market_entity_changes') }}
),

social as (
    select * from {{ ref('stg_entities__social_organisations') }}
),

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
        source_row_number
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
        source_row_number
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
