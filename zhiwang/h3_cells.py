"""The H3 functions dbt's int_grid_cells calls, on both engines.

Registered as SQL functions under these names: on DuckDB by the dbt-duckdb
plugin in ``zhiwang/dbt_duckdb_h3.py`` (profiles.yml ``plugins``), on Spark
by ``envs/spark/dbt_spark.py``. One implementation, so both engines give the
same cells, polygons and areas. Only the standard library and ``h3`` are
imported here: the Spark environment loads this file without the package.
"""

from __future__ import annotations

import h3


def h3_latlng_to_cell(lat: float | None, lon: float | None, resolution: int) -> str | None:
    """The H3 cell (hex string) holding the point, at ``resolution``."""
    if lat is None or lon is None:
        return None
    return h3.latlng_to_cell(lat, lon, resolution)


def h3_cell_boundary_wkt(cell: str | None) -> str | None:
    """The cell's boundary as a closed WKT polygon, ``lon lat`` with 6 decimals."""
    if cell is None:
        return None
    ring = [*h3.cell_to_boundary(cell)]
    ring.append(ring[0])
    return "POLYGON((" + ", ".join(f"{lon:.6f} {lat:.6f}" for lat, lon in ring) + "))"


def h3_cell_area_km2(cell: str | None) -> float | None:
    """The cell's area in km²."""
    return None if cell is None else h3.cell_area(cell, unit="km^2")


# name -> (function, argument types, return type), types as SQL type names
FUNCTIONS = {
    "h3_latlng_to_cell": (h3_latlng_to_cell, ["DOUBLE", "DOUBLE", "INTEGER"], "VARCHAR"),
    "h3_cell_boundary_wkt": (h3_cell_boundary_wkt, ["VARCHAR"], "VARCHAR"),
    "h3_cell_area_km2": (h3_cell_area_km2, ["VARCHAR"], "DOUBLE"),
}
