-- 法人 golden record (一数一源): one row per legal entity any department names,
-- merged from the market-regulation and civil-affairs registries, social-security
-- employers and the grid channel's employers by the match decisions of
-- int_entity_matches. Survivorship per attribute (docs/GOLDEN_RECORDS.md):
--   code                      the valid USCC (never a variant)
--   name, type, status,       the registry holding the entity (its current
--   premises, industry        version in dim_legal_entity, one history per USCC
--                             across both registries: in both, the later version)
--   insured persons           social security (active insured persons now)
--   declared employees        the market register's 从业人数, kept beside it
-- An entity no registry holds (an organ, a public institution) has a record
-- from the departments that name it, with registry attributes null.
with

matches as (
    select * from {{ ref('int_entity_matches') }}
    where golden_uscc is not null
),

-- one current version per USCC: dim_legal_entity keeps one SCD2 history per
-- USCC across both registries, so an entity in both has the later version
-- current (its test one_current_version, run before this model in a build).
-- A row_number() here to choose again sorted every current version for
-- nothing (district: 1.0 CPU-s).
registry_current as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current
),

sources as (
    select
        golden_uscc,
        max(case when entity_source = 'market_regulation' then 1 else 0 end) = 1 as is_in_market_register,
        max(case when entity_source = 'civil_affairs' then 1 else 0 end) = 1 as is_in_civil_affairs_register,
        max(case when department = 'social_security' then 1 else 0 end) = 1 as is_in_social_security,
        max(case when entity_source = 'grid_collection' then 1 else 0 end) = 1 as is_in_grid_collection,
        -- the departments naming it, counted in this one pass: int_entity_mentions
        -- names these four (accepted_values on int_entity_matches.department),
        -- so the sum of the four flags is the distinct count
        cast(
            max(case when department = 'market_regulation' then 1 else 0 end)
            + max(case when department = 'civil_affairs' then 1 else 0 end)
            + max(case when department = 'social_security' then 1 else 0 end)
            + max(case when department = 'grid' then 1 else 0 end)
            as bigint
        ) as department_count,
        min(first_seen_on) as first_seen_on,
        max(last_seen_on) as last_seen_on
    from matches
    group by golden_uscc
),

-- the variant codes merged into each entity: read from int_entity_matches
-- with their own filter (few rows) rather than from the matches above, which
-- DuckDB would then copy aside whole to read twice; and not as count(distinct)
-- in the grouping above, which copied all the matches aside too (issue 15)
variant_counts as (
    select
        variants.golden_uscc,
        count(*) as variant_code_count
    from (
        select distinct
            golden_uscc,
            delivered_code
        from {{ ref('int_entity_matches') }}
        where golden_uscc is not null and delivered_code <> golden_uscc
    ) as variants
    group by variants.golden_uscc
),

-- social security's headcount, under every code merged into the entity
insured as (
    select * from {{ ref('int_entity_insured_now') }}
),

final as (
    select
        sources.golden_uscc as uscc,
        registry_current.entity_name,
        registry_current.entity_type,
        registry_current.registry,
        case
            when registry_current.registry is not null then registry_current.registry
            when sources.is_in_social_security then 'social_security'
            else 'grid_collection'
        end as record_source,
        -- a registry row whose status was flagged unreadable is 'unknown', not 'unregistered'
        coalesce(
            registry_current.registration_status,
            case when registry_current.registry is null then 'unregistered' else 'unknown' end
        ) as registration_status,
        coalesce(registry_current.is_active, false) as is_active,
        registry_current.premises_room_code,
        registry_current.premises_building_code,
        registry_current.industry_section,
        registry_current.valid_from as registry_version_at,
        registry_current.employee_count as declared_employee_count,
        coalesce(insured.insured_person_count, 0) as insured_person_count,
        sources.is_in_market_register,
        sources.is_in_civil_affairs_register,
        sources.is_in_social_security,
        sources.is_in_grid_collection,
        sources.department_count,
        coalesce(variant_counts.variant_code_count, 0) as variant_code_count,
        sources.first_seen_on,
        sources.last_seen_on
    from sources
    left join registry_current on sources.golden_uscc = registry_current.uscc
    left join insured on sources.golden_uscc = insured.golden_uscc
    left join variant_counts on sources.golden_uscc = variant_counts.golden_uscc
)

select * from final
