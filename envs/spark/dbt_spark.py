"""dbt on Spark for zhiwang (runs in envs/spark: `uv run --frozen python dbt_spark.py`).

    dbt_spark.py [--raw DIR] [--export DIR] [DBT_ARGS...]

One process, one in-process SparkSession (dbt-spark ``method: session``, the
``spark`` output of dbt_project/profiles.yml):

1. opens the session the way dbt-spark does (``dbt debug`` on the spark target),
2. registers the H3 functions int_grid_cells calls (h3_latlng_to_cell,
   h3_cell_boundary_wkt, h3_cell_area_km2: Python UDFs from zhiwang/h3_cells.py,
   the module DuckDB's dbt plugin registers too, so the cells are equal) and
   the pseudonym function zw_pseudonym (zhiwang/pseudonym.py, HMAC-SHA256
   keyed from ZHIWANG_PSEUDONYM_KEY, which must be set),
3. with ``--raw DIR``: (re)creates the tables DIR/<schema>/<table>.parquet as
   Spark tables <schema>.<table> (raw, dq, audit), as the ingest does on DuckDB,
4. runs ``dbt DBT_ARGS`` (e.g. ``build --exclude ...``) when given,
5. with ``--export DIR``: writes every table of Spark's ``marts`` schema to
   DIR/marts/<table>.parquet, and each incremental model the DuckDB side
   exported (the names in ``--raw DIR``/incremental, found in the intermediate,
   internal and staging schemas) to DIR/incremental/<table>.parquet, for
   envs/spark/duckdb_side.py compare.

Plain ``dbt --target spark`` works for no model that pseudonymises or
int_grid_cells: their functions only this launcher provides (on a cluster: Databricks' built-in
h3_* functions, or the same UDFs registered by the job that runs dbt).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"


def dbt(args: list[str]) -> bool:
    from dbt.cli.main import dbtRunner

    full = [
        *args,
        "--target",
        "spark",
        "--profiles-dir",
        str(PROJECT),
        "--project-dir",
        str(PROJECT),
    ]
    result = dbtRunner().invoke(full)
    return bool(result.success)


def _by_path(name: str):
    """zhiwang/<name>.py, loaded by path and pickled by value to the UDF workers."""
    import importlib.util

    from pyspark import cloudpickle

    spec = importlib.util.spec_from_file_location(name, REPO / "zhiwang" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    cloudpickle.register_pickle_by_value(module)
    return module


def session():
    """The SparkSession dbt-spark created (``dbt debug`` opened it with the profile's settings)."""
    from pyspark.sql import SparkSession

    if not dbt(["debug", "--quiet"]):
        sys.exit("dbt debug failed on the spark target")
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    # the same functions DuckDB gets from its dbt plugin (zhiwang/h3_cells.py);
    # the module is loaded by path: this environment does not install zhiwang
    h3_cells = _by_path("h3_cells")
    spark_types = {"VARCHAR": "string", "DOUBLE": "double"}
    for name, (function, _, returns) in h3_cells.FUNCTIONS.items():
        spark.udf.register(name, function, spark_types[returns])
    # zw_pseudonym(): the HMAC DuckDB's plugin registers, keyed from the environment
    # (the key travels to the UDF workers in memory, never in SQL or a file)
    pseudonym = _by_path("pseudonym")
    spark.udf.register(
        pseudonym.FUNCTION_NAME, pseudonym.keyed(pseudonym.key_from_environment()), "string"
    )
    return spark


def load_raw(spark, raw: Path) -> None:
    # marts and incremental are the DuckDB result, compared, not read
    skipped = ("marts", "incremental")
    for schema_dir in sorted(p for p in raw.iterdir() if p.is_dir() and p.name not in skipped):
        schema = schema_dir.name
        spark.sql(f"create database if not exists {schema}")
        for parquet in sorted(schema_dir.glob("*.parquet")):
            table = f"{schema}.{parquet.stem}"
            spark.sql(f"drop table if exists {table}")
            spark.sql(f"create table {table} using parquet location '{parquet.resolve()}'")
        count = len(list(schema_dir.glob("*.parquet")))
        print(f"registered {count} {schema} tables from {schema_dir}")


def _write(spark, table: str, target: Path) -> None:
    tmp = target.parent / f".{target.stem}.tmp"
    spark.table(table).coalesce(1).write.mode("overwrite").parquet(str(tmp))
    (part,) = tmp.glob("part-*.parquet")
    part.rename(target)
    shutil.rmtree(tmp)


def _tables(spark, schema: str) -> list[str]:
    if not spark.catalog.databaseExists(schema):
        return []
    rows = spark.sql(f"show tables in {schema}").collect()
    return [r.tableName for r in rows if not r.isTemporary]


def export_marts(spark, out: Path, incremental: list[str]) -> None:
    for folder in ("marts", "incremental"):
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
    tables = _tables(spark, "marts")
    for name in tables:
        _write(spark, f"marts.{name}", out / "marts" / f"{name}.parquet")
    found = 0
    # staging holds the intermediate tables derived from plain IDs (int_contribution_rows)
    for schema in ("intermediate", "internal", "staging"):
        for name in sorted(set(_tables(spark, schema)) & set(incremental)):
            _write(spark, f"{schema}.{name}", out / "incremental" / f"{name}.parquet")
            found += 1
    print(f"exported {len(tables)} Spark marts and {found} incremental models to {out}")


def main(argv: list[str]) -> int:
    # pyspark logs every failing statement with its JVM stack trace; dbt reports it anyway
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    raw = export = None
    while argv[:1] in (["--raw"], ["--export"]):
        if argv[0] == "--raw":
            raw = Path(argv[1])
        else:
            export = Path(argv[1])
        argv = argv[2:]
    # the Python UDFs' workers run this environment's interpreter (h3 installed)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = session()
    if raw is not None:
        load_raw(spark, raw)
    ok = dbt(argv) if argv else True
    if export is not None:
        names = sorted(p.stem for p in (raw / "incremental").glob("*.parquet")) if raw else []
        export_marts(spark, export, names)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
