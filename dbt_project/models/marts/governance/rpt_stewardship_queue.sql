-- 数据治理 stewardship queue: every open disagreement between departments about
-- one person, legal entity or building, with both values, their sources and
-- dates, the rule that chose the winner and the department that should correct
-- its record (docs/GOLDEN_RECORDS.md). Built from the current state of each
-- source, so a disagreement leaves the queue when a later delivery agrees.
-- Person rows carry pseudonyms and room codes only: internal schema, never
-- published (docs/PRIVACY.md).
with

as_of as (
    select max(delivery_date) as as_of_date
    from {{ ref('stg_audit__batches') }}
    where is_live
),

-- persons: the register's and the grid channel's latest word on each person
registered as (
    select * from {{ ref('int_persons_registered') }}
    where not is_deleted_upstream
),

-- persons whose register and grid channel disagree (incremental per person)
both_channels as (
    select * from {{ ref('int_person_channel_conflicts') }}
),

person_name as (
    select
        'person' as subject_type,
        person_key as subject_key,
        'name' as attribute_name,
        register_name_key as value_a,
        'public_security' as source_a,
        register_at as dated_a,
        grid_name_key as value_b,
        'grid' as source_b,
        grid_at as dated_b,
        'public_security' as winning_source,
        'identity: the register wins' as decision_rule,
        'grid' as correcting_department,
        case when grid_at > register_at then grid_at else register_at end as opened_at
    from both_channels
    where register_name_key <> grid_name_key
),

person_phone as (
    select
        'person' as subject_type,
        person_key as subject_key,
        'phone' as attribute_name,
        register_phone_key as value_a,
        'public_security' as source_a,
        register_at as dated_a,
        grid_phone_key as value_b,
        'grid' as source_b,
        grid_at as dated_b,
        case when grid_at >= register_at then 'grid' else 'public_security' end as winning_source,
        'contact: the later statement wins' as decision_rule,
        case when grid_at >= register_at then 'public_security' else 'grid' end as correcting_department,
        case when grid_at > register_at then grid_at else register_at end as opened_at
    from both_channels
    where register_phone_key <> grid_phone_key
),

person_residence as (
    select
        'person' as subject_type,
        person_key as subject_key,
        'residence_room' as attribute_name,
        register_room_code as value_a,
        'public_security' as source_a,
        register_at as dated_a,
        grid_room_code as value_b,
        'grid' as source_b,
        grid_at as dated_b,
        case when grid_at >= register_at then 'grid' else 'public_security' end as winning_source,
        'residence: the later statement wins (docs/DEFINITIONS.md)' as decision_rule,
        case when grid_at >= register_at then 'public_security' else 'grid' end as correcting_department,
        case when grid_at > register_at then grid_at else register_at end as opened_at
    from both_channels
    where register_room_code <> grid_room_code
),

-- the newest contribution month and its newest delivery, which
-- fct_contributions states it from (int_contribution_deliveries: one row per
-- month, instead of reading the month's ~14M contribution rows)
newest_contribution_delivery as (
    select
        deliveries.contribution_month,
        deliveries.delivery_date
    from {{ ref('int_contribution_deliveries') }} as deliveries
    where
        deliveries.contribution_month = (
            select max(latest.contribution_month)
            from {{ ref('int_contribution_deliveries') }} as latest
        )
),

-- entities: the codes int_entity_matches did not take as delivered (the
-- queue's only entity codes), so the current records below are read for those
-- codes only instead of grouping every employer code in them
variant_codes as (
    select
        entity_source,
        delivered_code
    from {{ ref('int_entity_matches') }}
    where match_rule <> 'exact_uscc'
),

-- entities: codes each source uses now (its latest word), as int_entity_matches decided them
current_codes as (
    select distinct
        'social_security_insured' as entity_source,
        employer_uscc as delivered_code
    from {{ ref('int_insured_persons_current') }}
    where
        not is_deleted_upstream
        and employer_uscc in (
            select variant_codes.delivered_code from variant_codes
            where variant_codes.entity_source = 'social_security_insured'
        )
    union all
    -- int_persons_collected is read where it is used (here and for buildings):
    -- as one CTE, DuckDB would copy all its rows aside first
    select distinct
        'grid_collection' as entity_source,
        employer_uscc as delivered_code
    from {{ ref('int_persons_collected') }}
    where
        employer_uscc in (
            select variant_codes.delivered_code from variant_codes
            where variant_codes.entity_source = 'grid_collection'
        )
    union all
    -- the newest month as its newest delivery states it (fct_contributions
    -- keeps only that delivery of a corrected month): the employers of that
    -- delivery, read from int_contribution_employer_months (one row per
    -- employer and month; last_seen_on is the newest delivery naming the
    -- employer) instead of grouping the month's ~14M contribution rows
    select
        'social_security_contributions' as entity_source,
        employer_months.employer_uscc as delivered_code
    from {{ ref('int_contribution_employer_months') }} as employer_months
    inner join newest_contribution_delivery
        on
            employer_months.contribution_month = newest_contribution_delivery.contribution_month
            and employer_months.last_seen_on = newest_contribution_delivery.delivery_date
),

entity_matches as (
    select matches.*
    from {{ ref('int_entity_matches') }} as matches
    inner join current_codes
        on
            matches.entity_source = current_codes.entity_source
            and matches.delivered_code = current_codes.delivered_code
    where matches.match_rule <> 'exact_uscc'
),

-- the registries' current word on each entity (the golden record's source of
-- registry attributes, dim_legal_entity_golden)
registered_entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current
),

entity_code as (
    select
        'entity' as subject_type,
        coalesce(entity_matches.golden_uscc, entity_matches.delivered_code) as subject_key,
        'code' as attribute_name,
        entity_matches.delivered_code as value_a,
        entity_matches.department as source_a,
        cast(entity_matches.first_seen_on as timestamp) as dated_a,
        entity_matches.golden_uscc as value_b,
        case
            when registered_entities.registry is not null then registered_entities.registry
            when entity_matches.golden_uscc is not null then 'valid_uscc'
        end as source_b,
        registered_entities.valid_from as dated_b,
        case
            when registered_entities.registry is not null then registered_entities.registry
            when entity_matches.golden_uscc is not null then 'valid_uscc'
            else 'none'
        end as winning_source,
        entity_matches.match_rule || ': ' || entity_matches.evidence as decision_rule,
        entity_matches.department as correcting_department,
        -- since the variant was first delivered
        cast(entity_matches.first_seen_on as timestamp) as opened_at
    from entity_matches
    left join registered_entities on entity_matches.golden_uscc = registered_entities.uscc
),

-- persons social security insures now with each entity, under any code merged
-- into it (the definition dim_legal_entity_golden.insured_person_count uses)
insured_now as (
    select * from {{ ref('int_entity_insured_now') }}
),

-- a registry says the entity is gone, social security still insures persons with it
entity_status as (
    select
        'entity' as subject_type,
        registered_entities.uscc as subject_key,
        'registration_status' as attribute_name,
        registered_entities.registration_status as value_a,
        registered_entities.registry as source_a,
        registered_entities.valid_from as dated_a,
        cast(insured_now.insured_person_count as {{ dbt.type_string() }}) || ' active insured' as value_b,
        'social_security' as source_b,
        insured_now.last_changed_at as dated_b,
        registered_entities.registry as winning_source,
        'status: the registration authority wins' as decision_rule,
        'social_security' as correcting_department,
        -- since the registry's version that ended it
        registered_entities.valid_from as opened_at
    from registered_entities
    inner join insured_now on registered_entities.uscc = insured_now.golden_uscc
    where not registered_entities.is_active
),

building_matches as (
    select * from {{ ref('int_building_matches') }}
),

-- the building codes housing does not know (the queue's only delivered codes)
unmatched_building_codes as (
    select
        department,
        delivered_code
    from building_matches
    where match_rule = 'unmatched'
),

-- buildings: codes housing does not know, in the current records of other
-- departments (read for the unmatched codes only, as the entities' above)
current_building_codes as (
    select distinct
        'public_security' as department,
        building_code
    from registered
    where
        building_code in (
            select unmatched_building_codes.delivered_code from unmatched_building_codes
            where unmatched_building_codes.department = 'public_security'
        )
    union all
    select distinct
        'grid' as department,
        building_code
    from {{ ref('int_persons_collected') }}
    where
        building_code in (
            select unmatched_building_codes.delivered_code from unmatched_building_codes
            where unmatched_building_codes.department = 'grid'
        )
    union all
    select distinct
        registry as department,
        premises_building_code as building_code
    from registered_entities
    -- any department's unmatched codes: building_code below joins on the registry
    where premises_building_code in (select unmatched_building_codes.delivered_code from unmatched_building_codes)
),

building_code as (
    select
        'building' as subject_type,
        building_matches.delivered_code as subject_key,
        'building_code' as attribute_name,
        building_matches.delivered_code as value_a,
        building_matches.department as source_a,
        cast(building_matches.first_seen_on as timestamp) as dated_a,
        cast(null as {{ dbt.type_string() }}) as value_b,
        'housing' as source_b,
        cast(null as timestamp) as dated_b,
        'housing' as winning_source,
        'existence: housing wins (' || building_matches.evidence || ')' as decision_rule,
        building_matches.department as correcting_department,
        cast(building_matches.first_seen_on as timestamp) as opened_at
    from building_matches
    inner join current_building_codes
        on
            building_matches.department = current_building_codes.department
            and building_matches.delivered_code = current_building_codes.building_code
    where building_matches.match_rule = 'unmatched'
    union all
    -- events are facts: every event still without a building code is open
    select
        'building' as subject_type,
        building_matches.mention_id as subject_key,
        'building_code' as attribute_name,
        cast(null as {{ dbt.type_string() }}) as value_a,
        'events' as source_a,
        cast(building_matches.first_seen_on as timestamp) as dated_a,
        building_matches.golden_building_code as value_b,
        'housing' as source_b,
        cast(null as timestamp) as dated_b,
        case when building_matches.golden_building_code is null then 'none' else 'housing' end as winning_source,
        building_matches.match_rule || ': ' || building_matches.evidence as decision_rule,
        'events' as correcting_department,
        cast(building_matches.first_seen_on as timestamp) as opened_at
    from building_matches
    where
        building_matches.building_source = 'events'
        and (building_matches.delivered_code is null or building_matches.match_rule = 'unmatched')
),

-- housing's rooms name a building its own snapshot lacks
building_inferred as (
    select
        'building' as subject_type,
        building_code as subject_key,
        'building_snapshot_row' as attribute_name,
        building_code as value_a,
        'housing' as source_a,
        cast(null as timestamp) as dated_a,
        cast(null as {{ dbt.type_string() }}) as value_b,
        'housing' as source_b,
        cast(null as timestamp) as dated_b,
        'housing' as winning_source,
        'rooms name a building the building snapshot lacks' as decision_rule,
        'housing' as correcting_department,
        cast(last_seen_on as timestamp) as opened_at
    from {{ ref('dim_building') }}
    where is_inferred
),

unioned as (
    select * from person_name
    union all
    select * from person_phone
    union all
    select * from person_residence
    union all
    select * from entity_code
    union all
    select * from entity_status
    union all
    select * from building_code
    union all
    select * from building_inferred
),

-- the newest loaded delivery; a warehouse without the audit trail (a hand-made
-- raw layer) falls back to the newest statement in the queue, so every row has an age
reference_date as (
    select
        coalesce(
            max(as_of.as_of_date),
            cast(max(unioned.opened_at) as date)
        ) as as_of_date
    from unioned
    cross join as_of
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'unioned.subject_type', "'|'", 'unioned.subject_key', "'|'", 'unioned.attribute_name', "'|'",
            'unioned.source_a', "'|'", "coalesce(unioned.value_a, '')",
        ])) }} as disagreement_id,
        unioned.subject_type,
        unioned.subject_key,
        unioned.attribute_name,
        unioned.value_a,
        unioned.source_a,
        unioned.dated_a,
        unioned.value_b,
        unioned.source_b,
        unioned.dated_b,
        unioned.winning_source,
        unioned.decision_rule,
        unioned.correcting_department,
        -- since when it stands (per kind above); unknown: the as-of date
        cast(coalesce(unioned.opened_at, cast(reference_date.as_of_date as timestamp)) as date) as opened_on,
        reference_date.as_of_date
    from unioned
    cross join reference_date
)

select
    *,
    cast({{ dbt.datediff('opened_on', 'as_of_date', 'day') }} as bigint) as age_days
from final
