-- Question: how many cross-check findings does each rule have in each
-- community? The counted form of rpt_cross_checks for dashboards: a finding
-- is placed by its subject (a person's exact residence from internal
-- dim_person, an entity's premises building, a building or room code), so the
-- published person mart's generalised residence is not needed. Its counts can
-- be counts of persons: publish withholds the small ones (docs/PRIVACY.md).
with

findings as (
    select * from {{ ref('rpt_cross_checks') }}
),

persons as (
    select
        person_key,
        residence_community_code
    from {{ ref('dim_person') }}
),

entities as (
    select
        uscc,
        premises_building_code
    from {{ ref('dim_legal_entity') }}
    where is_current
),

located as (
    select
        findings.rule_code,
        findings.severity,
        case findings.subject_type
            when 'person' then persons.residence_community_code
            when 'entity' then substr(entities.premises_building_code, 1, 12)
            else substr(findings.subject_key, 1, 12)
        end as community_code
    from findings
    left join persons
        on findings.subject_type = 'person' and findings.subject_key = persons.person_key
    left join entities
        on findings.subject_type = 'entity' and findings.subject_key = entities.uscc
),

final as (
    select
        rule_code,
        max(severity) as severity,
        community_code,
        max({{ street_code_of('community_code') }}) as street_code,
        count(*) as findings
    from located
    group by rule_code, community_code
)

select * from final
