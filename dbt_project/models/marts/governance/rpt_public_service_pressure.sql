-- Question: where does demand for public services outrun supply? Per street:
-- residents and 60+ residents against social organisations, certified social
-- workers, and schools (GB/T 4754 section P) and health / social-work units
-- (section Q) registered there, per 10,000 residents. Beds come from the
-- facilities feed (dim_facility, read by rpt_plan_indicators). Every active
-- entity counts once: one whose premises room names no known community or
-- street is counted on the unlocated street (未定位街道), never dropped.
-- Certified social workers (持证社工) come from two sources that can name the
-- same people: the social organisations' snapshot and the social-work
-- stations (社工站) of the facilities feed. Per building, the larger of the
-- two counts (a station's workers are those of the organisation that runs it
-- there); organisations and stations without a building count on their own
-- (docs/DEFINITIONS.md).
with

population as (
    select * from {{ ref('rpt_population_structure') }}
),

entities as (
    select * from {{ ref('dim_legal_entity') }}
    where is_current and is_active
),


stations as (
    select * from {{ ref('dim_facility') }}
    where is_open and facility_type = 'social_work_station'
),

latest_population as (
    select * from population
    where unit_level = 'street'
    qualify row_number() over (partition by unit_code order by month_start desc) = 1
),

located_entities as (
    select
        entities.*,
        {{ street_code_of(located_community('loc')) }} as street_code
    from entities
    {{ location_joins('entities.premises_room_code', 'cast(null as ' ~ dbt.type_string() ~ ')', 'loc') }}
),

-- one row per source and place: a building, else the organisation or station itself
social_worker_sources as (
    select
        coalesce(premises_building_code, {{ dbt.concat(["'entity:'", 'uscc']) }}) as place_key,
        street_code,
        certified_social_workers as organisation_workers,
        0 as station_workers
    from located_entities
    where registry = 'civil_affairs' and certified_social_workers > 0
    union all
    select
        coalesce(building_code, {{ dbt.concat(["'facility:'", 'facility_id']) }}) as place_key,
        street_code,
        0 as organisation_workers,
        licensed_social_workers as station_workers
    from stations
    where licensed_social_workers > 0
),

-- the same workers are not counted twice: per place, the larger source
social_worker_places as (
    select
        place_key,
        min(street_code) as street_code,
        greatest(sum(organisation_workers), sum(station_workers)) as certified_social_worker_count
    from social_worker_sources
    group by place_key
),

social_workers as (
    select
        street_code,
        sum(certified_social_worker_count) as certified_social_worker_count
    from social_worker_places
    group by street_code
),

supply as (
    select
        located_entities.street_code,
        count(*) filter (where located_entities.registry = 'civil_affairs') as social_organisation_count,
        count(*) filter (where located_entities.industry_section = 'P') as education_unit_count,
        count(*) filter (where located_entities.industry_section = 'Q') as health_social_work_unit_count
    from located_entities
    group by located_entities.street_code
),

-- every street with residents or supply (the unlocated street included)
streets as (
    select unit_code as street_code from latest_population
    union
    select street_code from supply
    union
    select street_code from social_workers
),

final as (
    select
        streets.street_code,
        -- street-level rows: no community
        cast(null as {{ dbt.type_string() }}) as community_code,
        latest_population.month_start as population_month,
        coalesce(latest_population.managed_count, 0) as managed_count,
        coalesce(latest_population.elderly_60_plus_count, 0) as elderly_60_plus_count,
        coalesce(supply.social_organisation_count, 0) as social_organisation_count,
        coalesce(social_workers.certified_social_worker_count, 0) as certified_social_worker_count,
        coalesce(supply.education_unit_count, 0) as education_unit_count,
        coalesce(supply.health_social_work_unit_count, 0) as health_social_work_unit_count,
        10000
        * cast(coalesce(supply.social_organisation_count, 0) as double)
        / nullif(latest_population.managed_count, 0) as social_organisations_per_10000,
        10000
        * cast(coalesce(social_workers.certified_social_worker_count, 0) as double)
        / nullif(latest_population.managed_count, 0) as social_workers_per_10000,
        10000
        * cast(coalesce(supply.health_social_work_unit_count, 0) as double)
        / nullif(latest_population.managed_count, 0) as health_units_per_10000,
        1000
        * cast(coalesce(latest_population.elderly_60_plus_count, 0) as double)
        / nullif(latest_population.managed_count, 0) as elderly_per_1000
    from streets
    left join latest_population on streets.street_code = latest_population.unit_code
    left join supply on streets.street_code = supply.street_code
    left join social_workers on streets.street_code = social_workers.street_code
)

select * from final
