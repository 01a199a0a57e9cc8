-- Persons social security insures now with each golden legal entity, under
-- every code merged into it (int_entity_matches): active and not deleted
-- upstream. The one definition behind dim_legal_entity_golden's
-- insured_person_count and the stewardship queue's "registry ended it,
-- social security still insures persons" disagreements, computed once a
-- build (docs/GOLDEN_RECORDS.md).
{{ config(materialized='table') }}

with

insured as (
    select
        person_key,
        employer_uscc,
        changed_at
    from {{ ref('int_insured_persons_current') }}
    where insurance_status = 'active' and not is_deleted_upstream
),

-- one row per delivered code (the grain of int_entity_matches), so the join
-- counts each insured person once
employer_codes as (
    select
        delivered_code,
        golden_uscc
    from {{ ref('int_entity_matches') }}
    where entity_source = 'social_security_insured' and golden_uscc is not null
),

-- count, not count(distinct): a person is one row of insured (the unique
-- person_key test of int_insured_persons_current) and each code one row of
-- employer_codes (int_entity_matches' grain test), so the join yields a person
-- at most once; the distinct count grouped ~3M (entity, person) pairs again
-- (issue 15: ~3 CPU-s of the district daily build)
final as (
    select
        employer_codes.golden_uscc,
        count(insured.person_key) as insured_person_count,
        max(insured.changed_at) as last_changed_at
    from insured
    inner join employer_codes on insured.employer_uscc = employer_codes.delivered_code
    group by employer_codes.golden_uscc
)

select * from final
