-- 网格 grids: every grid code the feeds use, with the centroid of its buildings.
-- The H3 cell, polygon and area come from int_grid_cells (a Python model:
-- H3 in SQL is not portable across DuckDB and Spark).
with

cells as (
    select * from {{ ref('int_grid_cells') }}
),

communities as (
    select * from {{ ref('dim_community') }}
),

final as (
    select
        cells.grid_code,
        cells.community_code,
        communities.street_code,
        cells.h3_cell,
        cells.polygon_wkt,
        cells.centroid_longitude,
        cells.centroid_latitude,
        cells.area_km2,
        cells.building_count,
        communities.community_code is not null as is_known_community
    from cells
    left join communities
        on
            cells.community_code = communities.community_code
            and communities.is_current
)

select * from final
