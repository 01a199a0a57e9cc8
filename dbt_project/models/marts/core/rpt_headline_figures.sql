-- Question: what are the headline numbers a leader reads, for the district
-- and each street (the unlocated street included), each by its one
-- definition (docs/DEFINITIONS.md)? Persons from fct_person_status, rental
-- filings from fct_rental_filing_status, entities from dim_legal_entity
-- (current version, registration status active). The district row is the
-- sum of the street rows (test conserved_across_levels).
with

persons as (
    select * from {{ ref('fct_person_status') }}
    where is_managed
),

filings as (
    select * from {{ ref('fct_rental_filing_status') }}
),

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current and is_active
),

population_as_of as (
    select max(as_of_date) as as_of_date from {{ ref('fct_person_status') }}
),

rental_as_of as (
    select max(as_of_date) as as_of_date from filings
),

as_of as (
    select
        population_as_of.as_of_date as population_as_of,
        rental_as_of.as_of_date as rental_as_of
    from population_as_of
    cross join rental_as_of
),

person_counts as (
    select
        street_code,
        count(*) as managed_population,
        count(*) filter (where is_unlocated) as unlocated_population,
        count(*) filter (where is_hukou) as hukou_count,
        count(*) filter (where is_60_plus) as elderly_60_plus_count,
        count(*) filter (where age_years is null) as unknown_age_count,
        count(*) filter (where is_working_age) as working_age_count,
        count(*) filter (where is_working_age and is_insured) as insured_working_age_count,
        count(*) filter (where is_insured) as insured_count
    from persons
    group by street_code
),

filing_counts as (
    select
        street_code,
        count(*) filter (where is_current) as current_rental_filing_count,
        count(*) filter (where has_ended) as ended_but_marked_active_count
    from filings
    group by street_code
),

entity_counts as (
    select
        {{ street_code_of(located_community('loc')) }} as street_code,
        count(*) as active_entity_count
    from entities
    {{ location_joins('entities.premises_room_code', 'cast(null as ' ~ dbt.type_string() ~ ')', 'loc') }}
    group by {{ street_code_of(located_community('loc')) }}
),

streets as (
    select street_code from person_counts
    union
    select street_code from filing_counts
    union
    select street_code from entity_counts
),

by_street as (
    select
        'street' as unit_level,
        streets.street_code as unit_code,
        streets.street_code,
        coalesce(person_counts.managed_population, 0) as managed_population,
        coalesce(person_counts.unlocated_population, 0) as unlocated_population,
        coalesce(person_counts.hukou_count, 0) as hukou_count,
        coalesce(person_counts.elderly_60_plus_count, 0) as elderly_60_plus_count,
        coalesce(person_counts.unknown_age_count, 0) as unknown_age_count,
        coalesce(person_counts.working_age_count, 0) as working_age_count,
        coalesce(person_counts.insured_working_age_count, 0) as insured_working_age_count,
        coalesce(person_counts.insured_count, 0) as insured_count,
        coalesce(filing_counts.current_rental_filing_count, 0) as current_rental_filing_count,
        coalesce(filing_counts.ended_but_marked_active_count, 0) as ended_but_marked_active_count,
        coalesce(entity_counts.active_entity_count, 0) as active_entity_count
    from streets
    left join person_counts on streets.street_code = person_counts.street_code
    left join filing_counts on streets.street_code = filing_counts.street_code
    left join entity_counts on streets.street_code = entity_counts.street_code
),

district as (
    select
        'district' as unit_level,
        {{ district_code_of('street_code') }} as unit_code,
        cast(null as {{ dbt.type_string() }}) as street_code,
        sum(managed_population) as managed_population,
        sum(unlocated_population) as unlocated_population,
        sum(hukou_count) as hukou_count,
        sum(elderly_60_plus_count) as elderly_60_plus_count,
        sum(unknown_age_count) as unknown_age_count,
        sum(working_age_count) as working_age_count,
        sum(insured_working_age_count) as insured_working_age_count,
        sum(insured_count) as insured_count,
        sum(current_rental_filing_count) as current_rental_filing_count,
        sum(ended_but_marked_active_count) as ended_but_marked_active_count,
        sum(active_entity_count) as active_entity_count
    from by_street
    group by {{ district_code_of('street_code') }}
),

unioned as (
    select * from by_street
    union all
    select * from district
),

final as (
    select
        unioned.unit_level,
        unioned.unit_code,
        unioned.street_code,
        -- headline rows carry no community (row-level security column)
        cast(null as {{ dbt.type_string() }}) as community_code,
        substr(unioned.unit_code, 7, 3) = '999' as is_unlocated,
        as_of.population_as_of,
        as_of.rental_as_of,
        cast(unioned.managed_population as bigint) as managed_population,
        cast(unioned.unlocated_population as bigint) as unlocated_population,
        cast(unioned.hukou_count as bigint) as hukou_count,
        cast(unioned.hukou_count as double) / nullif(unioned.managed_population, 0) as hukou_share,
        cast(unioned.elderly_60_plus_count as bigint) as elderly_60_plus_count,
        cast(unioned.elderly_60_plus_count as double) / nullif(unioned.managed_population, 0)
            as elderly_60_plus_share,
        cast(unioned.unknown_age_count as bigint) as unknown_age_count,
        cast(unioned.working_age_count as bigint) as working_age_count,
        cast(unioned.insured_working_age_count as bigint) as insured_working_age_count,
        cast(unioned.insured_working_age_count as double) / nullif(unioned.working_age_count, 0)
            as insured_working_age_share,
        cast(unioned.insured_count as bigint) as insured_count,
        cast(unioned.current_rental_filing_count as bigint) as current_rental_filing_count,
        cast(unioned.ended_but_marked_active_count as bigint) as ended_but_marked_active_count,
        cast(unioned.active_entity_count as bigint) as active_entity_count
    from unioned
    cross join as_of
)

select * from final
