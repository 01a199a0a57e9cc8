-- 网格 grids: every real grid the feeds use (its community is in the
-- admin-division seed; see int_grids_observed), with the centroid of its
-- buildings. Codes of unknown communities are no members: facts keep them as
-- delivered, and a conformed grid key on a fact is null for them.
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
        coalesce(communities.is_current, false) as is_known_community
    from cells
    -- int_grid_cells holds known communities only; the relationships test on
    -- community_code fails loudly should one ever be missing here
    left join communities on cells.community_code = communities.community_code
)

select * from final
