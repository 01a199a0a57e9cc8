"""The DuckDB side of the Spark check (runs in the main env: `uv run --frozen python`).

    export WAREHOUSE DIR   raw.*, dq.* and audit.* tables -> DIR/<schema>/<table>.parquet,
                           marts.* -> DIR/marts/<table>.parquet (the DuckDB result),
                           the incremental models (INCREMENTAL, in whatever
                           schema) -> DIR/incremental/<table>.parquet
    compare DUCKDB SPARK [TABLE...]
                           every table of DUCKDB/marts and DUCKDB/incremental against
                           SPARK/marts and SPARK/incremental: row counts, then the
                           rows sorted and compared value by value; exit 1 on any
                           difference. Every incremental model (INCREMENTAL) must
                           be there. With TABLEs, exactly those (each in marts/ or
                           incremental/): one missing on either side is a difference,
                           tables not named are not compared (`incremental`, the
                           word, names every INCREMENTAL model)

Doubles: equal within 1e-9 (relative). The models round some means to 6
decimals (centroids); a double sum in another order can end a hair on the other
side of the rounding boundary, so a difference of one unit in the 6th decimal
(<= 1.5e-6) is tolerated and reported, anything more is a difference.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import duckdb

# audit: batches and quarantine, which the staging models stg_audit__* read (a
# plan indicator counts the quarantined rows); without them Spark read them as empty
EXPORTED = ("raw", "dq", "audit", "marts")
# the models built with large_fact_strategy() (incremental): compared themselves,
# not only through the marts, as most of them live in intermediate or internal
INCREMENTAL = (
    "int_persons_collected",
    "int_residence_observations",
    "int_persons_registered",
    "int_entity_versions",
    "int_insured_persons_current",
    "fct_residence_spells",
    "fct_rental_filings",
    "fct_event_transitions",
    "fct_event",
    "int_contribution_rows",
    "int_contribution_deliveries",
    "int_contribution_employer_months",
    "int_entity_mention_days",
    "int_building_code_batches",
    "int_event_locations",
    "dim_legal_entity",
    "dim_person",
    "int_person_status",
    "dim_building",
    "dim_room",
    "int_disclosure_cells",
    "dim_person_public",
)
# an incremental model built under another name (config alias): its schema__table,
# which its Spark staging table and its export (marts/) are named after
BUILT_AS = {"dim_person_public": ("marts", "dim_person")}
# what envs/spark/build.sh looks for in the Spark dbt log, per INCREMENTAL model: the
# staging table its incremental run wrote (macros/spark_incremental.sql)
STAGED = tuple(
    f"`{BUILT_AS[m][0]}__{BUILT_AS[m][1]}__new`" if m in BUILT_AS else f"__{m}__new`"
    for m in INCREMENTAL
)
COMPARED = ("marts", "incremental")
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
REL_TOL = 1e-9
ROUNDING_FLIP = 1.5e-6
# a column that differs between any two builds by design, never compared
RUN_SPECIFIC = {"_written_at", "_written_loaded_at"}


def export(warehouse: Path, out: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in {EXPORTED} order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            (out / schema).mkdir(parents=True, exist_ok=True)
            target = out / schema / f"{table}.parquet"
            con.execute(f"copy (select * from {schema}.{table}) to '{target}' (format parquet)")
        incremental = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_name in {INCREMENTAL} and table_schema <> 'marts' order by 2"
        ).fetchall()
        (out / "incremental").mkdir(parents=True, exist_ok=True)
        for schema, table in incremental:
            target = out / "incremental" / f"{table}.parquet"
            con.execute(f"copy (select * from {schema}.{table}) to '{target}' (format parquet)")
        print(
            f"exported {len(tables)} tables and {len(incremental)} incremental models"
            f" from {warehouse} to {out}"
        )


def _norm(name: str, dtype: str) -> str:
    """A column as text that sorts the same on both sides (doubles rounded for the order only)."""
    col = f'"{name}"'
    if dtype.upper() in FLOAT_TYPES or dtype.upper().startswith("DECIMAL"):
        return f"round(cast({col} as double), 6)"
    return f"cast({col} as varchar)"


def _same(a: object, b: object, tol: float = 1e-12) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=tol) or (math.isnan(a) and math.isnan(b))
    return a == b


def compare_one(con: duckdb.DuckDBPyConnection, left: Path, right: Path) -> tuple[str | None, str]:
    """(None when equal, else what differs; a note on tolerated rounding flips)."""
    if not right.exists():
        return "missing on Spark", ""
    described = con.execute(f"describe select * from '{left}'").fetchall()
    lcols = {c[0]: c[1] for c in described}
    rcols = {c[0]: c[1] for c in con.execute(f"describe select * from '{right}'").fetchall()}
    if set(lcols) != set(rcols):
        return (
            f"columns differ: only DuckDB {set(lcols) - set(rcols)},"
            f" only Spark {set(rcols) - set(lcols)}"
        ), ""
    # the build's start each written row carries (macros/test_scope.sql written_at)
    names = [c[0] for c in described if c[0] not in RUN_SPECIFIC]
    counts = [con.execute(f"select count(*) from '{p}'").fetchone()[0] for p in (left, right)]
    if counts[0] != counts[1]:
        return f"row count {counts[0]} (DuckDB) vs {counts[1]} (Spark)", ""
    rows = []
    for path, types in ((left, lcols), (right, rcols)):
        # each side compared in its own types, cast to the DuckDB side's where they differ
        select = ", ".join(
            f'cast("{n}" as double) as "{n}"'
            if types[n].upper().startswith("DECIMAL") or lcols[n].upper() in FLOAT_TYPES
            else f'cast("{n}" as {lcols[n]}) as "{n}"'
            for n in names
        )
        order = ", ".join(_norm(n, lcols[n]) + " nulls first" for n in names)
        rows.append(con.execute(f"select {select} from '{path}' order by {order}").fetchall())
    unequal = [
        (i, n, a, b)
        for i, (lrow, rrow) in enumerate(zip(*rows, strict=True))
        for n, a, b in zip(names, lrow, rrow, strict=True)
        if not _same(a, b)
    ]
    bad = [(i, n) for i, n, a, b in unequal if not _same(a, b, ROUNDING_FLIP)]
    flips = len(unequal) - len(bad)
    note = f"  ({flips} doubles differ by one unit in the 6th decimal)" if flips else ""
    if bad:
        i, n = bad[0]
        col = names.index(n)
        return (
            f"{len({r for r, _ in bad})} of {counts[0]} sorted rows differ; first: row {i}"
            f" column {n}: {rows[0][i][col]!r} (DuckDB) vs {rows[1][i][col]!r} (Spark)"
        ), note
    return None, note


def _expected(duck: Path, spark: Path, names: list[str] | None) -> list[tuple[str, str]]:
    """(folder, table) to compare: the named ones, else every table either side exported."""
    if names is None:
        found = {
            (p.parent.name, p.stem)
            for side in (duck, spark)
            for folder in COMPARED
            for p in (side / folder).glob("*.parquet")
        }
        # an incremental model DuckDB did not export must not go unnoticed
        return sorted(found | {_folder((duck, spark), n) for n in INCREMENTAL})
    return sorted(_folder((duck, spark), n) for n in dict.fromkeys(names))


def _folder(sides: tuple[Path, Path], name: str) -> tuple[str, str]:
    """Where the table was exported, DuckDB's side first: incremental/ (an incremental
    model outside marts: internal.dim_person is there, marts.dim_person is dim_person_public),
    marts/; else marts/. An aliased model: the table it is built as."""
    if name in BUILT_AS:
        return BUILT_AS[name]
    for side in sides:
        for folder in ("incremental", "marts"):
            if (side / folder / f"{name}.parquet").exists():
                return folder, name
    return COMPARED[0], name


def compare(duck: Path, spark: Path, names: list[str] | None = None) -> int:
    failed = 0
    expected = _expected(duck, spark, names)
    with duckdb.connect(":memory:") as con:
        for folder in COMPARED:
            print(f"{folder}:")
            for _, table in (e for e in expected if e[0] == folder):
                left, right = (side / folder / f"{table}.parquet" for side in (duck, spark))
                if not left.exists():
                    failed += 1
                    where = "only on Spark" if right.exists() else "missing on both sides"
                    print(f"  DIFF {table:<34} {where}")
                    continue
                rows = con.execute(f"select count(*) from '{left}'").fetchone()[0]
                problem, note = compare_one(con, left, right)
                failed += problem is not None
                print(
                    f"  {'OK  ' if problem is None else 'DIFF'} {table:<34} {rows:>7} rows"
                    + ("" if problem is None else f"  {problem}")
                    + note
                )
    print(f"{len(expected) - failed} tables equal, {failed} differ")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["export"] and len(argv) == 3:
        export(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["compare"] and len(argv) >= 3:
        names = [n for a in argv[3:] for n in (INCREMENTAL if a == "incremental" else (a,))]
        return compare(Path(argv[1]), Path(argv[2]), names or None)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
