-- Every code a department names a legal entity by, one row per source and code
-- as delivered (after the ingest's normalisation: full-width, spaces, hyphens,
-- case). The two registries name their own entities; social security names
-- employers (insured persons and contributions); the grid channel names a
-- person's employer. docs/GOLDEN_RECORDS.md.
with

registries as (
    select
        registry as entity_source,
        registry as department,
        uscc as delivered_code,
        false as is_flagged_invalid,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        count(*) as record_count
    from {{ ref('int_entity_versions') }}
    group by registry, uscc
),

-- the delivery dates' counts of int_entity_mention_days (incremental per
-- date), added up: the insured-person feed's and the grid channel's employer
-- codes, not every row ever delivered, grouped again
insured_and_grid as (
    select
        entity_source,
        department,
        delivered_code,
        max(flagged_invalid) = 1 as is_flagged_invalid,
        min(delivery_date) as first_seen_on,
        max(delivery_date) as last_seen_on,
        cast(sum(record_count) as bigint) as record_count
    from {{ ref('int_entity_mention_days') }}
    group by entity_source, department, delivered_code
),

-- the months' counts of int_contribution_employer_months (incremental per
-- month), added up: not every contribution row ever delivered, grouped again
contributions as (
    select
        'social_security_contributions' as entity_source,
        'social_security' as department,
        employer_uscc as delivered_code,
        max(flagged_invalid) = 1 as is_flagged_invalid,
        min(first_seen_on) as first_seen_on,
        max(last_seen_on) as last_seen_on,
        cast(sum(record_count) as bigint) as record_count
    from {{ ref('int_contribution_employer_months') }}
    group by employer_uscc
),

final as (
    select * from registries
    union all
    select * from insured_and_grid
    union all
    select * from contributions
)

select * from final
