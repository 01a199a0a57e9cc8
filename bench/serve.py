"""Benchmark what follows the transform: quality gates, publish and the dashboards.

Run on the warehouse ``bench/transform.py --ingest --daily-build`` leaves under
the var dir (all deliveries in, the daily build done), as the pipeline runs them
after a delivery's build:

1. the Great Expectations gate on the newest delivery of every feed
   (``zhiwang validate raw``; exit 1, a blocked delivery, is a verdict, not an
   error), against DuckDB reading every column of every raw table;
2. the quality marts over the gate's results (``dbt build -s source:dq+``, the
   part ``bench/transform.py`` leaves out because it writes no gate results);
3. the gate on the marts (``zhiwang validate marts``);
4. publish: the served schemas copied into the serving file and the per-scope
   copies (``orchestration/publish.py``), against DuckDB copying the same tables
   into a file with nothing else;
5. the dashboards: every chart of every dashboard through Superset's API as a
   district leader, cache forced off (``bench/dashboards.py``, Superset
   environment); the step's time is the worst chart's p95, its baseline the same
   chart's SQL on DuckDB directly.

Each step runs in its own process; its peak RSS is the largest resident memory
of that process and its children together (Superset's workers included).

    ZHIWANG_VAR_DIR=<work>/var uv run --frozen python bench/serve.py --json <work>/serve.json

bench/report.py runs it after the transform step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.append(str(Path(__file__).resolve().parent))

from results_io import Step, raw_scan, run_measured, write_steps  # noqa: E402

from orchestration.service import PRODUCTION_BUILD_ARGS, dbt_env  # noqa: E402
from zhiwang.settings import Settings  # noqa: E402

PROJECT = REPO / "dbt_project"


def measured(
    cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``cmd``; exits with its output when its exit
    code is not in ``ok``."""
    run = run_measured(cmd, env=env, cwd=REPO)
    if run.returncode not in ok:
        sys.exit(f"{' '.join(cmd[:4])} ... failed (exit {run.returncode}):\n{run.output[-6000:]}")
    print(run.output.rstrip()[-2000:], flush=True)
    return run.seconds, run.peak_rss_mb


def served_copy(serving: Path, scratch: Path) -> tuple[int, float]:
    """Rows of the serving file's tables and the time DuckDB takes to copy those
    tables, as they are, into a new file (publish's floor)."""
    target = scratch / "copy.duckdb"
    target.unlink(missing_ok=True)
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables()"
        ).fetchall()
    rows = sum(size for _s, _t, size in tables)
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"attach '{serving}' as src (read_only)")
    con.execute(f"attach '{target}' as dst")
    for schema, table, _size in tables:
        con.execute(f'create schema if not exists dst."{schema}"')
        name = f'"{schema}"."{table}"'
        con.execute(f"create table dst.{name} as select * from src.{name}")
    con.close()
    seconds = time.perf_counter() - start
    target.unlink(missing_ok=True)
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--repeats", type=int, default=5, help="requests per chart")
    args = parser.parse_args()
    settings = Settings()
    if not settings.warehouse.exists():
        sys.exit(f"no warehouse at {settings.warehouse}: run bench/transform.py --ingest first")
    bin_dir = Path(sys.executable).parent
    env = os.environ | dbt_env(settings) | {"DO_NOT_TRACK": "1"}
    scratch = Path(tempfile.mkdtemp(prefix="zhiwang-bench-serve-", dir=settings.var_dir))
    steps: list[Step] = []

    rows, scan = raw_scan(settings.warehouse)
    raw_baseline = "DuckDB reading every column of every raw table (md5 of each row)"
    print("[gate raw] zhiwang validate raw (newest delivery)", flush=True)
    zhiwang = str(bin_dir / "zhiwang")
    seconds, mb = measured([zhiwang, "validate", "raw", "--no-docs"], env, (0, 1))
    steps.append(Step("GX gate (raw, newest delivery)", rows, seconds, mb, scan, raw_baseline))

    print("[quality marts] dbt build -s source:dq+", flush=True)
    target = scratch / "target"
    seconds, mb = measured(
        [str(bin_dir / "dbt"), "build", "-s", "source:dq+", *PRODUCTION_BUILD_ARGS,
         "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT),
         "--target-path", str(target), "--log-path", str(scratch / "logs")],
        env,
    )  # fmt: skip
    steps.append(Step("dbt build (quality marts)", rows, seconds, mb, scan, raw_baseline))

    print("[gate marts] zhiwang validate marts", flush=True)
    seconds, mb = measured([zhiwang, "validate", "marts", "--no-docs"], env, (0, 1))
    steps.append(Step("GX gate (marts)", rows, seconds, mb, scan, raw_baseline))

    print("[publish] orchestration/publish.py", flush=True)
    publish = (
        "from orchestration.publish import publish_serving\n"
        "from zhiwang.settings import Settings\n"
        "r = publish_serving(Settings())\n"
        "print(len(r['tables']), 'tables,', len(r['scopes']), 'scopes')"
    )
    seconds, mb = measured([sys.executable, "-c", publish], env)
    served_rows, copy = served_copy(settings.serving, scratch)
    steps.append(Step("publish", served_rows, seconds, mb, copy,
                      "DuckDB copying the served tables into a new file"))  # fmt: skip

    print("[dashboards] bench/dashboards.py (Superset environment)", flush=True)
    charts = scratch / "dashboards.json"
    _wall, mb = measured(
        ["uv", "run", "--quiet", "--frozen", "--project", str(REPO / "envs" / "superset"),
         "python", "bench/dashboards.py", "--serving", str(settings.serving),
         "--repeats", str(args.repeats), "--json", str(charts)],
        env,
    )  # fmt: skip
    worst = json.loads(charts.read_text(encoding="utf-8"))
    where = f"{worst['dashboard']}: {worst['chart']}"
    steps.append(Step(f"dashboards (worst of {worst['charts']} charts, p95)", served_rows,
                      worst["api_p95_s"], mb, worst["duckdb_p95_s"],
                      f"the same chart's SQL on DuckDB ({where})"))  # fmt: skip

    for s in steps:
        print(f"{s.name:<40} {s.seconds:>9.1f} s {s.peak_rss_mb:>8,.0f} MB  x{s.ratio:.2f}")
    write_steps(args.json, steps, dashboards=worst)


if __name__ == "__main__":
    main()
