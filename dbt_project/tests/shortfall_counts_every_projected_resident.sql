-- Conservation: every projected resident of a service's age group is in some
-- community row of rpt_service_shortfall (no community left out), per year
-- and service: Σ communities' population_in_need = the district's projected
-- residents of that age group. The shortfall plans the home district's
-- communities only, so on a city-wide warehouse it is compared with the home
-- district's row. A row returned is a year and service that differ.
with

ratios as (
    select * from {{ ref('service_demand_ratios') }}
    where is_demand_basis
),

district as (
    select
        projection.projection_year,
        ratios.service,
        sum(projection.projected_persons) as persons
    from {{ ref('rpt_population_projection') }} as projection
    inner join ratios
        on
            projection.age_years >= ratios.age_from
            and (ratios.age_to is null or projection.age_years <= ratios.age_to)
    where
        projection.unit_level = 'district'
        and projection.unit_code = '{{ var("home_district_code") }}'
    group by projection.projection_year, ratios.service
),

communities as (
    select
        projection_year,
        service,
        sum(population_in_need) as persons
    from {{ ref('rpt_service_shortfall') }}
    group by projection_year, service
)

select
    communities.projection_year,
    communities.service,
    communities.persons as in_communities,
    district.persons as in_district
from communities
left join district
    on communities.projection_year = district.projection_year and communities.service = district.service
where abs(communities.persons - coalesce(district.persons, 0)) > 1e-6
