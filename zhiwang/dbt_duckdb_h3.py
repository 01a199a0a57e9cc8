"""dbt-duckdb plugin: the H3 functions of ``zhiwang.h3_cells`` as DuckDB SQL functions.

Named in dbt_project/profiles.yml (``plugins: - module: zhiwang.dbt_duckdb_h3``),
so every connection dbt opens has them. They replaced a Python model: its
process start-up (imports, arrow round trip) cost ~2.5 s of every daily run for
~4,000 grids, and Spark needed a SQL twin of it.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from zhiwang.h3_cells import FUNCTIONS


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        for name, (function, arguments, returns) in FUNCTIONS.items():
            # NULL in, NULL out (DuckDB's default null handling), never called on NULL
            conn.create_function(name, function, arguments, returns, side_effects=False)
