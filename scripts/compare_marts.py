"""Are two warehouses' marts the same rows? EXCEPT ALL both ways on every ``marts`` table.

    uv run --frozen python scripts/compare_marts.py BEFORE.duckdb AFTER.duckdb [--stable]

For a refactoring that must not change the marts: build the same deliveries
with the same pseudonym key before and after, then compare. ``--stable`` leaves
out what differs between any two runs by nature (load times ``*_loaded_at``,
the quality gate's ``run_id`` / ``checked_at``) and compares doubles at 1e-9
(DuckDB's parallel sums may differ in the last bit). Exit 1 when a row differs.
"""

from __future__ import annotations

import sys

import duckdb

RUN_SPECIFIC = ("run_id", "checked_at")


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' and table_name = ? "
        "order by column_index",
        [db, table],
    ).fetchall()


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts' "
        "union all "
        "select view_name from duckdb_views() where database_name = ? and schema_name = 'marts'",
        [db, db],
    ).fetchall()
    return {r[0] for r in rows}


def compare(before: str, after: str, stable: bool) -> int:
    """Print one line per table; return the number of differing rows (both ways)."""
    con = duckdb.connect()
    con.execute("attach ? as b (read_only)", [before])
    con.execute("attach ? as a (read_only)", [after])
    tb, ta = _tables(con, "b"), _tables(con, "a")
    total = len(tb ^ ta)
    if tb ^ ta:
        print(f"only before: {sorted(tb - ta)}  only after: {sorted(ta - tb)}")
    for table in sorted(tb & ta):
        cols = _columns(con, "b", table)
        if cols != _columns(con, "a", table):
            print(f"{table}: columns differ")
            total += 1
            continue
        keep = [
            f'round("{c}", 9)' if stable and kind == "DOUBLE" else f'"{c}"'
            for c, kind in cols
            if not (stable and (c.endswith("loaded_at") or c in RUN_SPECIFIC))
        ]
        select = ", ".join(keep)
        rows = con.execute(f"select count(*) from b.marts.{table}").fetchone()[0]  # type: ignore[index]
        diff = [
            con.execute(
                f"select count(*) from (select {select} from {x}.marts.{table} "
                f"except all select {select} from {y}.marts.{table})"
            ).fetchone()[0]  # type: ignore[index]
            for x, y in (("b", "a"), ("a", "b"))
        ]
        total += sum(diff)
        print(f"{table:45s} rows {rows:8d}  before-after {diff[0]}  after-before {diff[1]}")
    print(f"{len(tb & ta)} tables, {total} differing rows")
    return total


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--stable"]
    if len(args) != 2:
        sys.exit(__doc__)
    sys.exit(1 if compare(args[0], args[1], "--stable" in sys.argv) else 0)
