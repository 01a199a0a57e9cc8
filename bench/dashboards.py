"""Dashboard latency: each chart's data through Superset's API vs the same SQL on DuckDB.

Run in the Superset environment, from the repository root, on a serving copy
published by the pipeline (``orchestration/publish.py``), e.g. the district one:

    uv run --frozen --project envs/superset python bench/dashboards.py \
        --serving /work/data/district/var/serving/zhiwang_serving.duckdb

(default ``--serving``: ``$ZHIWANG_SERVING_PATH``, else ``var/serving/...``).
Every request forces a cache miss, so the API time is Superset's overhead +
DuckDB. Target: p95 < 1 s per chart. Both sides run in the same process run,
on the same file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ports import free_port  # noqa: E402
from tests.superset.api import SupersetClient  # noqa: E402
from tests.superset.conftest import (  # noqa: E402
    DEMO_PASSWORD,
    ENV_DIR,
    _wait_healthy,
    run_bootstrap,
    superset_env,
)

sys.path.insert(0, str(REPO / "superset"))
from zhiwang_superset.envfile import load_env_file, serving_path  # noqa: E402

TARGET_P95_S = 1.0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def chart_sql(client: SupersetClient, chart: dict) -> str:
    """The SQL Superset sends to DuckDB for this chart (RLS included)."""
    if chart["viz_type"].startswith("deck_"):
        response = client.session.post(
            f"{client.url}/superset/explore_json/",
            params={"query": "true"},
            data={"form_data": json.dumps({"slice_id": chart["id"]})},
            timeout=120,
        )
        response.raise_for_status()
        return response.json()["query"]
    response = client.get(f"/api/v1/chart/{chart['id']}/data/", type="query")
    response.raise_for_status()
    return response.json()["result"][0]["query"]


def timed(action, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving", type=Path, help="published serving copy (see above)")
    parser.add_argument("--home", type=Path, help="SUPERSET_HOME to reuse (default: temporary)")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--user", default="district_leader")
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the worst chart's figures here"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="zhiwang-bench-dash-"))
    load_env_file()
    serving = args.serving or serving_path()
    if not serving.exists():
        sys.exit(f"no serving copy at {serving}: run the pipeline (zhiwang run) or pass --serving")
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    print("marts rows:", ", ".join(f"{name} {size:,}" for name, size in sorted(rows)))

    home = args.home or work / "superset_home"
    home.mkdir(parents=True, exist_ok=True)
    env = superset_env(home, serving.resolve())
    start = time.perf_counter()
    run_bootstrap(env)
    print(f"bootstrap {time.perf_counter() - start:.1f}s")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (home / "bench-server.log").open("w") as log:
        server = subprocess.Popen(
            [str(ENV_DIR / ".venv" / "bin" / "gunicorn"), "-w", "2", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--timeout", "120", "superset.app:create_app()"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_healthy(url, server)
            worst = report(SupersetClient(url, args.user, DEMO_PASSWORD), serving, args.repeats)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    if args.json:
        args.json.write_text(json.dumps(worst, indent=2) + "\n", encoding="utf-8")


def report(client: SupersetClient, serving: Path, repeats: int) -> dict[str, object]:
    """Print every chart's timings; return the chart with the worst API p95 (its
    p95 through the API and on DuckDB directly) and how many charts were timed."""
    charts = {c["id"]: c for c in client.list_all("chart")}
    con = duckdb.connect(str(serving), read_only=True)
    header = f"{'dashboard':<18} {'chart':<22} {'rows':>6} {'api p50':>8} {'api p95':>8} "
    header += f"{'duckdb p50':>10} {'duckdb p95':>10} {'api/duckdb':>10}"
    print(header)
    worst = 0.0
    worst_chart: dict[str, object] = {}
    charts_timed = 0
    for dashboard in client.list_all("dashboard"):
        detail = client.get(f"/api/v1/dashboard/{dashboard['id']}/charts").json()["result"]
        for item in detail:
            chart = charts[item["id"]]
            n_rows = len(client.chart_data(chart))  # warm-up: app workers, DuckDB file cache
            api = timed(lambda chart=chart: client.chart_data(chart, force=True), repeats)
            sql = chart_sql(client, chart)
            con.execute(sql).fetchall()
            direct = timed(lambda sql=sql: con.execute(sql).fetchall(), repeats)
            charts_timed += 1
            if p95(api) >= worst:
                worst = p95(api)
                worst_chart = {
                    "dashboard": dashboard["slug"],
                    "chart": chart["slice_name"],
                    "api_p95_s": p95(api),
                    "duckdb_p95_s": p95(direct),
                }
            flag = "  > target" if p95(api) > TARGET_P95_S else ""
            print(
                f"{dashboard['slug']:<18} {chart['slice_name'][:20]:<22} {n_rows:>6} "
                f"{statistics.median(api):>8.3f} {p95(api):>8.3f} "
                f"{statistics.median(direct):>10.4f} {p95(direct):>10.4f} "
                f"{statistics.median(api) / max(statistics.median(direct), 1e-6):>9.0f}x{flag}"
            )
    con.close()
    verdict = "meets" if worst <= TARGET_P95_S else "MISSES"
    print(
        f"worst chart p95 through the API: {worst:.3f}s ({verdict} the {TARGET_P95_S:.0f}s target)"
    )
    return worst_chart | {"charts": charts_timed, "repeats": repeats}


if __name__ == "__main__":
    main()
