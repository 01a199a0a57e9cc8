-- Every real grid in use (buildings, grid collections, events), with the mean
-- position of the buildings in it as the centroid (population records and
-- events only fill in grids that have no building).
--
-- A grid is its community's 12-digit code plus a 3-digit sequence, so only a
-- code whose community prefix is a community of the admin-division seed (or
-- one the register of changes created, docs/GEOGRAPHY.md) is a grid. Codes with any other prefix (the ingest flags them
-- unknown_community, e.g. a pre-2017 street segment 440306001) stay on the
-- fact rows as delivered but create no grid. They are not mapped through the
-- code history: the seed records street successors only, and a community's
-- segment was not kept across the 2017 split, so 440306001xxx → 440306017xxx
-- would be a guess.
-- A table, not a view: each of its data tests (and int_grid_cells) would
-- otherwise read every building, grid collection and event state change
-- again (4 tests, 1.7 s of the district daily build; 0.4 s to build).
{{ config(materialized='table') }}

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

-- current and retired communities alike, the register's new ones included
-- (int_geography_changes)
communities as (
    select division_code as community_code
    from {{ ref('admin_divisions') }}
    where division_level = 'community'
    union
    select successor_code as community_code
    from {{ ref('int_geography_changes') }}
    where is_accepted and unit_level = 'community'
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

known_positions as (
    select positions.*
    from positions
    inner join communities
        on {{ community_code_of('positions.grid_code') }} = communities.community_code
    where {{ dbt.length('positions.grid_code') }} = 15
),

best as (
    select
        grid_code,
        min(position_rank) as position_rank
    from known_positions
    group by grid_code
),

final as (
    select
        best.grid_code,
        {{ community_code_of('best.grid_code') }} as community_code,
        -- rounded (~0.1 m) so parallel avg() gives bit-identical rebuilds
        round(avg(known_positions.longitude), 6) as centroid_longitude,
        round(avg(known_positions.latitude), 6) as centroid_latitude,
        count(distinct known_positions.building_code) as building_count
    from best
    inner join known_positions
        on
            best.grid_code = known_positions.grid_code
            and best.position_rank = known_positions.position_rank
    group by best.grid_code
)

select * from final
