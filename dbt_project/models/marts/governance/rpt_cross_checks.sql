-- Question: which records contradict each other across departments
-- (关联比对核验)? One row per finding: the rule, the keys it is about (persons
-- only as pseudonyms), the evidence and a severity for follow-up.
with

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current
),

buildings as (
    select * from {{ ref('dim_building') }}
),

payments as (
    select * from {{ ref('fct_assistance_payments') }}
),

contributions as (
    select * from {{ ref('fct_contributions') }}
),

insured as (
    select * from {{ ref('int_insured_persons_current') }}
),

recipients as (
    select
        person_key,
        count(*) as payment_count,
        max(payment_month) as last_payment_month
    from payments
    where assistance_program in ('dibao', 'tekun')
    group by person_key
),

legal_rep_findings as (
    select
        'xc_assistance_legal_rep' as rule_code,
        'person' as subject_type,
        recipients.person_key as subject_key,
        entities.uscc as related_key,
        {{ dbt.concat([
            "'assistance recipient is legal representative of active entity; last payment '",
            as_string('recipients.last_payment_month'),
        ]) }} as evidence,
        'high' as severity
    from recipients
    inner join entities on recipients.person_key = entities.legal_rep_person_key
    where entities.is_active
),

high_base_findings as (
    select
        'xc_assistance_high_base' as rule_code,
        'person' as subject_type,
        recipients.person_key as subject_key,
        max(contributions.employer_uscc) as related_key,
        {{ dbt.concat([
            "'assistance recipient with contribution base '",
            as_string('max(contributions.contribution_base_yuan)'),
            "' yuan'",
        ]) }} as evidence,
        'high' as severity
    from recipients
    inner join contributions on recipients.person_key = contributions.person_key
    where contributions.contribution_base_yuan > {{ var('xc_high_base_yuan') }}
    group by recipients.person_key
),

no_residence_findings as (
    select
        'xc_insured_no_residence' as rule_code,
        'person' as subject_type,
        insured.person_key as subject_key,
        insured.employer_uscc as related_key,
        'insured person with no residence record in either population channel' as evidence,
        'medium' as severity
    from insured
    -- dim_person is read where it is used (twice): as one CTE, DuckDB would
    -- materialise every person's row first
    left join {{ ref('dim_person') }} as persons on insured.person_key = persons.person_key
    where
        insured.insurance_status = 'active'
        and not insured.is_deleted_upstream
        and persons.person_key is null
),

no_building_findings as (
    select
        'xc_entity_no_building' as rule_code,
        'entity' as subject_type,
        entities.uscc as subject_key,
        entities.premises_room_code as related_key,
        {{ dbt.concat(["'premises building '", 'entities.premises_building_code', "' is not in the building register'"]) }} as evidence,
        'medium' as severity
    from entities
    -- an inferred building (known only from room codes) is not in the register either
    left join buildings
        on
            entities.premises_building_code = buildings.building_code
            and not buildings.is_inferred
    where
        entities.is_active
        and entities.premises_building_code is not null
        and buildings.building_code is null
),

entities_per_building as (
    select
        premises_building_code as building_code,
        count(*) as entity_count
    from entities
    where is_active
    group by premises_building_code
),

over_capacity_findings as (
    select
        'xc_building_over_capacity' as rule_code,
        'building' as subject_type,
        buildings.building_code as subject_key,
        cast(null as {{ dbt.type_string() }}) as related_key,
        {{ dbt.concat([
            as_string('entities_per_building.entity_count'), "' active entities, '",
            as_string('buildings.room_count'), "' rooms'",
        ]) }} as evidence,
        'low' as severity
    from entities_per_building
    inner join buildings on entities_per_building.building_code = buildings.building_code
    where entities_per_building.entity_count > buildings.room_count
),

shared_room_findings as (
    select
        'xc_shared_room_entities' as rule_code,
        'room' as subject_type,
        premises_room_code as subject_key,
        cast(null as {{ dbt.type_string() }}) as related_key,
        {{ dbt.concat([as_string('count(*)'), "' active entities registered in one room'"]) }} as evidence,
        'medium' as severity
    from entities
    where is_active and premises_room_code is not null
    group by premises_room_code
    having count(*) > {{ var('xc_shared_room_entities') }}
),

findings as (
    select * from legal_rep_findings
    union all
    select * from high_base_findings
    union all
    select * from no_residence_findings
    union all
    select * from no_building_findings
    union all
    select * from over_capacity_findings
    union all
    select * from shared_room_findings
),

located as (
    -- where a finding is: the building or room itself, an entity's premises,
    -- a person's residence, else the premises of the entity it points at,
    -- else nowhere known: the unlocated community of the unlocated street
    -- (an insured person with no residence and no employer premises), so
    -- every finding is counted at every level
    select
        findings.*,
        coalesce(
            case when findings.subject_type in ('building', 'room') then {{ community_code_of('findings.subject_key') }} end,
            {{ community_code_of('coalesce(subject_entities.premises_building_code, subject_entities.premises_room_code)') }},
            persons.residence_community_code,
            {{ community_code_of('coalesce(related_entities.premises_building_code, related_entities.premises_room_code)') }},
            {{ unlocated_community_of_street(unlocated_street_code()) }}
        ) as community_code
    from findings
    left join entities as subject_entities
        on
            findings.subject_type = 'entity'
            and findings.subject_key = subject_entities.uscc
    left join {{ ref('dim_person') }} as persons
        on
            findings.subject_type = 'person'
            and findings.subject_key = persons.person_key
    left join entities as related_entities
        on
            findings.subject_type = 'person'
            and findings.related_key = related_entities.uscc
),

final as (
    select
        {{ dbt.hash(dbt.concat(['rule_code', "'|'", 'subject_key', "'|'", "coalesce(related_key, '')"])) }} as finding_key,
        rule_code,
        subject_type,
        subject_key,
        related_key,
        {{ street_code_of('community_code') }} as street_code,
        community_code,
        evidence,
        severity
    from located
)

select * from final
