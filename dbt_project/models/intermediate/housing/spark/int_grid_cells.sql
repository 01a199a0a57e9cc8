{{ config(materialized='table', enabled=(target.type == 'spark')) }}
-- The Spark twin of int_grid_cells.py, the one Python model (H3 has no
-- portable SQL, and dbt-spark runs Python models only on Databricks clusters).
-- Same columns, same values: the three h3_* functions are Python UDFs over
-- the same h3 package, registered by envs/spark/dbt_spark.py (on Databricks,
-- its built-in h3_longlatash3string / h3_boundaryaswkt would replace them).
-- Only one of the two models is enabled per target (dbt_project.yml).
with

grids as (
    select * from {{ ref('int_grids_observed') }}
),

cells as (
    select
        *,
        h3_latlng_to_cell(centroid_latitude, centroid_longitude, 9) as h3_cell
    from grids
)

select
    *,
    h3_cell_boundary_wkt(h3_cell) as polygon_wkt,
    h3_cell_area_km2(h3_cell) as area_km2
from cells
