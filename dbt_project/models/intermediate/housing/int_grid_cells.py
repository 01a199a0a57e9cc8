"""H3 resolution-9 cell, boundary polygon and area per grid (网格).

A Python model because H3 has no portable SQL: DuckDB would need a community
extension and Spark a jar. The generator cuts grids as H3 cells, so the cell
holding the grid's building centroid is the grid's cell. The loop runs once
per grid (about 4,000 in Bao'an), not per row of any fact.

Spark: this is the project's one DuckDB-bound model. dbt-spark runs Python
models only on Databricks/Dataproc clusters, not with ``method: session``.
On Spark, replace it by a SQL model with the engine's H3 functions (e.g.
Databricks ``h3_longlatash3string`` / ``h3_boundaryaswkt``), or load the
table this model writes as a seed; dim_grid reads only its columns
(grid_code, community_code, h3_cell, polygon_wkt, centroid_*, area_km2,
building_count) and needs no change.
"""

from __future__ import annotations

import h3
import polars as pl

H3_RESOLUTION = 9


def _cell(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return h3.latlng_to_cell(lat, lon, H3_RESOLUTION)


def _polygon_wkt(cell: str | None) -> str | None:
    if cell is None:
        return None
    ring = [*h3.cell_to_boundary(cell)]
    ring.append(ring[0])
    return "POLYGON((" + ", ".join(f"{lon:.6f} {lat:.6f}" for lat, lon in ring) + "))"


def model(dbt, session):
    dbt.config(materialized="table")
    grids = dbt.ref("int_grids_observed").pl()
    cells = [
        _cell(lat, lon)
        for lat, lon in zip(grids["centroid_latitude"], grids["centroid_longitude"], strict=True)
    ]
    return grids.with_columns(
        pl.Series("h3_cell", cells, dtype=pl.String),
        pl.Series("polygon_wkt", [_polygon_wkt(c) for c in cells], dtype=pl.String),
        pl.Series(
            "area_km2",
            [None if c is None else h3.cell_area(c, unit="km^2") for c in cells],
            dtype=pl.Float64,
        ),
    ).to_arrow()
