-- One total (issue 12: three marts gave 11,022 / 11,044 / 11,053 residents
-- for the same date). Every population mart counts the managed persons of
-- fct_person_status at the population as-of date; a row returned names a
-- mart whose total differs.
with

persons as (
    select count(*) as managed from {{ ref('fct_person_status') }}
    where is_managed
),

totals as (
    select
        'rpt_population_structure (district, latest month)' as mart,
        sum(managed_count) as total
    from {{ ref('rpt_population_structure') }}
    where
        unit_level = 'district'
        and month_start = (select max(structure.month_start) from {{ ref('rpt_population_structure') }} as structure)
    union all
    select
        'rpt_age_pyramid' as mart,
        sum(person_count) as total
    from {{ ref('rpt_age_pyramid') }}
    union all
    select
        'rpt_social_security' as mart,
        sum(resident_count) as total
    from {{ ref('rpt_social_security') }}
    union all
    select
        'rpt_housing_rental + residents without a building row' as mart,
        (select sum(housing.resident_count) from {{ ref('rpt_housing_rental') }} as housing)
        + (
            select count(*) from {{ ref('fct_person_status') }} as status
            where
                status.is_managed
                and (
                    status.building_code is null
                    or status.building_code not in (select building.building_code from {{ ref('dim_building') }} as building)
                )
        ) as total
    union all
    select
        'rpt_headline_figures (district)' as mart,
        sum(managed_population) as total
    from {{ ref('rpt_headline_figures') }}
    where unit_level = 'district'
)

select
    totals.mart,
    totals.total,
    persons.managed
from totals
cross join persons
where coalesce(totals.total, 0) <> persons.managed
