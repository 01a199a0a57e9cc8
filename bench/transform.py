"""Benchmark the dbt transform on an ingested warehouse.

Prints wall times and raw rows per second for a full-refresh `dbt build` and an
incremental `dbt build` with nothing new, each as a ratio against an in-run
baseline (one DuckDB pass over every raw table), so numbers from different
machines compare.

    ZHIWANG_VAR_DIR=/tmp/me-var uv run python bench/transform.py [--generate tiny]

With ``--generate`` the generator and ingest run first (into the var dir).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from zhiwang.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "dbt_project"


def _raw_rows(warehouse: Path) -> tuple[int, float]:
    """Rows in every raw table and the time of one counting pass over their columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        start = time.perf_counter()
        total = 0
        for table in tables:
            # hashing every row forces a full read of all columns, like staging does
            rows, _ = con.execute(
                f"select count(*), sum(hash(raw.{table})) from raw.{table}"
            ).fetchone()
            total += rows
        return total, time.perf_counter() - start


def _dbt_build(warehouse: Path, work: Path, *extra: str) -> float:
    env = {
        **os.environ,
        "ZHIWANG_WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    cmd = [str(dbt), "build", "--exclude", "source:dq+", *extra,
           "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT)]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"dbt build failed:\n{done.stdout[-4000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", choices=["tiny", "district", "city"], default=None)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    if args.generate:
        from generator.api import generate
        from ingest.api import ingest

        generate(
            settings.landing,
            settings.ground_truth,
            scale=args.generate,
            seed=42,
            start=date(2026, 10, 1),
            days=args.days,
            dirt=1.0,
        )
        ingest(settings)
    work = settings.var_dir / "bench-transform"
    rows, baseline = _raw_rows(settings.warehouse)
    full = _dbt_build(settings.warehouse, work, "--full-refresh")
    incremental = _dbt_build(settings.warehouse, work)
    print(f"raw rows: {rows:,}")
    print(f"baseline (scan raw): {baseline:8.2f} s  {rows / baseline:12,.0f} rows/s  1.0x")
    for name, seconds in (("dbt build full", full), ("dbt build incremental", incremental)):
        print(
            f"{name:22s} {seconds:8.2f} s  {rows / seconds:12,.0f} rows/s  "
            f"{seconds / baseline:,.0f}x baseline"
        )


if __name__ == "__main__":
    main()
