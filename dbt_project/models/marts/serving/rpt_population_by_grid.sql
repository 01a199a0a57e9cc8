-- Question: how many people live on each grid now, how dense, how many events
-- per 1,000 residents, and how short of social workers is its street? One row
-- per grid (latest month) for the maps and the overview (Superset dataset
-- rpt_population_by_grid). An unlocated grid (未定位, one per community) only
-- when someone is on it; a count withheld by disclosure control is someone.
with

areas as (
    select * from {{ published('dim_community_current') }}
),

latest_month as (
    select max(month_start) as month_start
    from {{ published('rpt_population_structure') }}
    where unit_level = 'grid'
),

population as (
    select
        structure.unit_code as grid_code,
        structure.managed_count,
        structure.resident_6m_count,
        structure.hukou_count,
        structure.elderly_60_plus_count
    from {{ published('rpt_population_structure') }} as structure
    inner join latest_month on structure.month_start = latest_month.month_start
    where structure.unit_level = 'grid'
),

latest_event_month as (
    select max(period_start) as period_start
    from {{ published('rpt_event_performance') }}
    where period_type = 'month' and unit_level = 'grid'
),

events as (
    select
        performance.unit_code as grid_code,
        performance.events_reported
    from {{ published('rpt_event_performance') }} as performance
    inner join latest_event_month on performance.period_start = latest_event_month.period_start
    where performance.period_type = 'month' and performance.unit_level = 'grid'
),

social_worker_target as (
    select target_value
    from {{ published('rpt_plan_indicators') }}
    where indicator_code = 'social_workers_per_10000_2025' and unit_level = 'district'
),

street_pressure as (
    select
        pressure.street_code,
        pressure.social_workers_per_10000,
        row_number() over (
            partition by pressure.street_code order by pressure.population_month desc
        ) as recency
    from {{ published('rpt_public_service_pressure') }} as pressure
),

pressure as (
    -- target social workers per 10,000 over the street's actual: > 1 means short of target
    select
        street_pressure.street_code,
        social_worker_target.target_value / nullif(street_pressure.social_workers_per_10000, 0)
            as service_pressure
    from street_pressure
    cross join social_worker_target
    where street_pressure.recency = 1
),

final as (
    select
        grids.street_code,
        areas.street_name,
        grids.community_code,
        areas.community_name,
        grids.grid_code,
        grids.h3_cell,
        {{ wkt_polygon_to_json('grids.polygon_wkt') }} as grid_polygon,
        grids.area_km2,
        grids.is_unlocated,
        -- 0 for a grid without residents; a count withheld by disclosure control stays NULL
        case when population.grid_code is null then 0 else population.managed_count end
            as managed_population,
        case when population.grid_code is null then 0 else population.resident_6m_count end
            as resident_population,
        case when population.grid_code is null then 0 else population.hukou_count end
            as hukou_population,
        case when population.grid_code is null then 0 else population.elderly_60_plus_count end
            as aged_60_plus,
        case when population.grid_code is null then 0 else population.managed_count end
        / nullif(grids.area_km2, 0) as population_density,
        cast(1000 as double) * coalesce(events.events_reported, 0)
        / nullif(population.managed_count, 0) as events_per_1000,
        pressure.service_pressure
    from {{ published('dim_grid') }} as grids
    left join population on grids.grid_code = population.grid_code
    left join events on grids.grid_code = events.grid_code
    left join pressure on grids.street_code = pressure.street_code
    left join areas on grids.community_code = areas.community_code
    where
        not grids.is_unlocated
        or population.managed_count > 0
        or (population.grid_code is not null and population.managed_count is null)
)

select * from final
