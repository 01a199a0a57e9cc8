"""Person-grain marts live in `internal`; an upgraded warehouse keeps no stale copy in `marts`."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.dbt.dbt_helpers import INTERNAL, run_dbt


def test_a_stale_marts_table_of_an_internal_model_is_dropped(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """A warehouse built before a model moved to `internal` holds its old table in
    `marts`, which publish would copy: dbt's on-run-end hook drops it (whatever
    the run selected), and keeps marts.dim_person, the k-anonymous model."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    assert {"fct_contributions", "fct_person_status", "dim_person"} <= INTERNAL
    with duckdb.connect(str(warehouse)) as con:
        for name in ("fct_contributions", "fct_person_status"):
            con.execute(f"create table marts.{name} as select * from internal.{name}")
    done = run_dbt(["run", "--select", "dim_date"], warehouse, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        public = {r[0] for r in con.execute("describe marts.dim_person").fetchall()}
    assert not marts & {"fct_contributions", "fct_person_status"}, marts
    assert "dim_person" in marts and "disclosure_level" in public and "birth_date" not in public
