-- Every grid code in use (buildings, grid collections, events), with the mean
-- position of the buildings in it as the centroid (population records and
-- events only fill in grids that have no building).
with

buildings as (
    select * from {{ ref('stg_housing__buildings') }}
),

collections as (
    select * from {{ ref('stg_population__grid_collections') }}
),

events as (
    select * from {{ ref('stg_events__event_state_changes') }}
),

positions as (
    select
        grid_code,
        longitude,
        latitude,
        building_code,
        1 as position_rank
    from buildings
    union all
    select
        grid_code,
        longitude,
        latitude,
        cast(null as {{ dbt.type_string() }}) as building_code,
        2 as position_rank
    from collections
    union all
    select
        grid_code,
        longitude,
        latitude,
        cast(null as {{ dbt.type_string() }}) as building_code,
        3 as position_rank
    from events
),

best as (
    select
        grid_code,
        min(position_rank) as position_rank
    from positions
    where grid_code is not null
    group by grid_code
),

final as (
    select
        best.grid_code,
        substr(best.grid_code, 1, 12) as community_code,
        avg(positions.longitude) as centroid_longitude,
        avg(positions.latitude) as centroid_latitude,
        count(distinct positions.building_code) as building_count
    from best
    inner join positions
        on
            best.grid_code = positions.grid_code
            and best.position_rank = positions.position_rank
    group by best.grid_code
)

select * from final
