-- H3 resolution-9 cell, boundary polygon and area per grid (网格). The
-- generator cuts grids as H3 cells, so the cell holding the grid's building
-- centroid is the grid's cell. H3 has no portable SQL: the h3_* functions are
-- Python functions over the h3 package (zhiwang/h3_cells.py), registered on
-- DuckDB by the dbt-duckdb plugin zhiwang.dbt_duckdb_h3 (profiles.yml) and
-- on Spark by envs/spark/dbt_spark.py (on Databricks, the built-in
-- h3_longlatash3string / h3_boundaryaswkt would replace them). They run once
-- per grid (about 4,000 in Bao'an), not per row of any fact.
with

grids as (
    select * from {{ ref('int_grids_observed') }}
),

cells as (
    select
        grid_code,
        community_code,
        centroid_longitude,
        centroid_latitude,
        building_count,
        h3_latlng_to_cell(centroid_latitude, centroid_longitude, {{ var('h3_resolution') }}) as h3_cell
    from grids
),

final as (
    select
        cells.*,
        h3_cell_boundary_wkt(cells.h3_cell) as polygon_wkt,
        h3_cell_area_km2(cells.h3_cell) as area_km2
    from cells
)

select * from final
