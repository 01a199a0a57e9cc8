-- 法人生命周期 one row per status transition of a legal entity (registered,
-- cancelled, revoked, moved out), from the SCD2 versions.
with

versions as (
    select * from {{ ref('dim_legal_entity') }}
),

final as (
    select
        entity_version_key as lifecycle_event_key,
        uscc,
        registry,
        lag(registration_status) over (partition by uscc order by valid_from nulls last) as from_status,
        registration_status as to_status,
        valid_from as changed_at,
        case
            when lag(registration_status) over (partition by uscc order by valid_from nulls last) is null then 'first_seen'
            when registration_status = 'active' then 'reactivated'
            else registration_status
        end as lifecycle_event
    from versions
)

select * from final
