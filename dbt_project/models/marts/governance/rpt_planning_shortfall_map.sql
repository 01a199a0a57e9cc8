-- Question: where will elderly-care beds, childcare places and school seats
-- fall short, community by community and year by year (规划辅助 map)?
-- rpt_service_shortfall's rows (projected demand against capacity, facilities
-- under construction counted from their opening date) placed at the centroid
-- of the community's grids, with the last projection year marked so a map
-- can show the horizon. Nothing is recomputed: demand, capacity and
-- shortfall are rpt_service_shortfall's, and so is its disclosure control
-- (the same declaration: publish withholds the same cells in both).
with

shortfall as (
    select * from {{ ref('rpt_service_shortfall') }}
),

grids as (
    select * from {{ ref('dim_grid') }}
    where not is_unlocated
),

centroids as (
    select
        community_code,
        avg(centroid_longitude) as longitude,
        avg(centroid_latitude) as latitude
    from grids
    group by community_code
),

horizon as (
    select max(projection_year) as last_year
    from shortfall
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'shortfall.community_code', "'|'", as_string('shortfall.projection_year'), "'|'",
            'shortfall.service'])) }} as shortfall_map_key,
        shortfall.street_code,
        shortfall.street_name,
        shortfall.community_code,
        shortfall.community_name,
        shortfall.is_unlocated,
        shortfall.projection_year,
        shortfall.projection_date,
        cast(year(shortfall.projection_date) as integer) as calendar_year,
        shortfall.projection_year = horizon.last_year as is_last_projection_year,
        shortfall.service,
        shortfall.service_name,
        shortfall.population_in_need,
        shortfall.demand,
        shortfall.capacity,
        shortfall.shortfall,
        centroids.longitude,
        centroids.latitude
    from shortfall
    cross join horizon
    left join centroids on shortfall.community_code = centroids.community_code
)

select * from final
