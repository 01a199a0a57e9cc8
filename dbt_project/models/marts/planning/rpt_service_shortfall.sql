-- Question: where will elderly-care beds, childcare places and primary and
-- junior-secondary seats fall short in the next five years? Per community
-- and projection year: the projected residents of the service's age group
-- (rpt_population_projection) times the places each needs (seed
-- service_demand_ratios: the plan's 30 beds per 1,000 aged 60+, a seat per
-- child of school age, ...) against the rated capacity of the facilities of
-- the newest snapshot (dim_facility) that serve it: operating ones, and those
-- under construction from their planned opening date on. shortfall = demand -
-- capacity when positive, else 0. Elderly beds also show the 80+ basis beside
-- the plan's (comparison_*). docs/PROJECTIONS.md.
with

projection as (
    select * from {{ ref('rpt_population_projection') }}
    where unit_level = 'community'
),

ratios as (
    select * from {{ ref('service_demand_ratios') }}
),

facilities as (
    select * from {{ ref('dim_facility') }}
    where is_in_latest_snapshot
),

-- the district's current communities and its unlocated ones
communities as (
    select * from {{ ref('dim_community') }}
    where is_current and district_code = '{{ var("home_district_code") }}'
),

years as (
    select distinct
        projection_year,
        base_date,
        projection_date
    from projection
),

-- residents of each basis's age group (unknown ages belong to none)
in_need as (
    select
        projection.community_code,
        projection.projection_year,
        ratios.basis,
        sum(projection.projected_persons) as population_in_need
    from projection
    inner join ratios
        on
            projection.age_years >= ratios.age_from
            and (ratios.age_to is null or projection.age_years <= ratios.age_to)
    group by projection.community_code, projection.projection_year, ratios.basis
),

-- capacity serving each service in each projection year: operating now, or
-- under construction and opened by the year's date (year 0 is the snapshot as
-- it is: a facility still 在建 past its planned date counts from year 1)
capacity as (
    select
        facilities.community_code,
        years.projection_year,
        ratios.service,
        sum(facilities.rated_capacity) as capacity,
        sum(case when facilities.facility_status = 'under_construction' then facilities.rated_capacity else 0 end)
            as capacity_under_construction
    from facilities
    inner join ratios
        on
            facilities.facility_type = ratios.facility_type
            and facilities.capacity_unit = ratios.capacity_unit
            and ratios.is_demand_basis
    cross join years
    where
        facilities.facility_status = 'operating'
        or (
            facilities.facility_status = 'under_construction'
            and facilities.opens_on <= years.projection_date
            and years.projection_year > 0
        )
    group by facilities.community_code, years.projection_year, ratios.service
),

grid as (
    select
        communities.street_code,
        communities.street_name,
        communities.community_code,
        communities.community_name,
        communities.is_unlocated,
        years.base_date,
        years.projection_year,
        years.projection_date,
        ratios.service,
        ratios.service_name,
        ratios.basis,
        ratios.places_per_person,
        ratios.is_plan_target
    from communities
    cross join years
    inner join ratios on ratios.is_demand_basis
),

comparison as (
    select
        ratios.service,
        ratios.basis,
        ratios.places_per_person,
        in_need.community_code,
        in_need.projection_year,
        in_need.population_in_need
    from ratios
    inner join in_need on ratios.basis = in_need.basis
    where not ratios.is_demand_basis
),

measured as (
    select
        grid.*,
        coalesce(in_need.population_in_need, 0) as population_in_need,
        coalesce(in_need.population_in_need, 0) * grid.places_per_person as demand,
        coalesce(capacity.capacity, 0) as capacity,
        coalesce(capacity.capacity_under_construction, 0) as capacity_under_construction,
        comparison.basis as comparison_basis,
        comparison.population_in_need as comparison_population_in_need,
        comparison.population_in_need * comparison.places_per_person as comparison_demand
    from grid
    left join in_need
        on
            grid.community_code = in_need.community_code
            and grid.projection_year = in_need.projection_year
            and grid.basis = in_need.basis
    left join capacity
        on
            grid.community_code = capacity.community_code
            and grid.projection_year = capacity.projection_year
            and grid.service = capacity.service
    left join comparison
        on
            grid.community_code = comparison.community_code
            and grid.projection_year = comparison.projection_year
            and grid.service = comparison.service
),

final as (
    select
        {{ dbt.concat(['community_code', "'|'", as_string('projection_year'), "'|'", 'service']) }} as shortfall_key,
        street_code,
        street_name,
        community_code,
        community_name,
        is_unlocated,
        base_date,
        cast(projection_year as integer) as projection_year,
        projection_date,
        service,
        service_name,
        basis as demand_basis,
        cast(places_per_person as double) as places_per_person,
        is_plan_target,
        cast(population_in_need as double) as population_in_need,
        cast(demand as double) as demand,
        cast(capacity as bigint) as capacity,
        cast(capacity_under_construction as bigint) as capacity_under_construction,
        cast(greatest(demand - capacity, 0) as double) as shortfall,
        case when demand > 0 then cast(capacity / demand as double) end as capacity_per_demand,
        comparison_basis,
        cast(comparison_population_in_need as double) as comparison_population_in_need,
        cast(comparison_demand as double) as comparison_demand,
        cast(greatest(comparison_demand - capacity, 0) as double) as comparison_shortfall
    from measured
)

select * from final
