"""Build a real tiny serving copy with the pipeline's own code (warehouse environment).

generate (tiny, default dirt, a planted community split and grid redrawing) →
ingest → quality gates on every feed → dbt build → marts gates → publish, i.e.
the chain the Airflow DAGs run, called directly.
The Superset tests run it once per session in the root uv environment::

    uv run --frozen python -m tests.superset.build_serving <var_dir>

and read ``<var_dir>/serving/zhiwang_serving.duckdb`` and ``<var_dir>/data_docs``.
Prints one JSON line: paths, table row counts and seconds per step.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from zhiwang.settings import Settings

TINY_START = date(2026, 10, 1)
TINY_DAYS = 7
# The data office's page shows the register of changes, the versions, the late
# old codes and the restated trends (docs/GEOGRAPHY.md): plant a split mid-week.
TINY_GEOGRAPHY_CHANGE = date(2026, 10, 4)


def build(var_dir: Path) -> dict[str, object]:
    from expectations.api import validate
    from generator.api import generate
    from ingest.api import ingest
    from orchestration.publish import publish_serving
    from orchestration.service import run_dbt_build

    settings = Settings(var_dir=var_dir)
    seconds: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        seconds[name] = round(time.perf_counter() - started, 1)

    t = time.perf_counter()
    generate(
        settings.landing,
        settings.ground_truth,
        scale="tiny",
        seed=42,
        start=TINY_START,
        days=TINY_DAYS,
        dirt=1.0,
        geography_change=TINY_GEOGRAPHY_CHANGE,
    )
    step("generate", t)
    t = time.perf_counter()
    ingest(settings)
    step("ingest", t)
    t = time.perf_counter()
    raw = validate(settings, target="raw")
    if raw.blocked:
        raise RuntimeError(f"tiny deliveries blocked by the quality gates:\n{raw.summary()}")
    step("validate_raw", t)
    t = time.perf_counter()
    run_dbt_build(settings)
    step("dbt_build", t)
    t = time.perf_counter()
    marts = validate(settings, target="marts")
    if marts.blocked:
        raise RuntimeError(f"marts blocked by the quality gates:\n{marts.summary()}")
    step("validate_marts", t)
    t = time.perf_counter()
    published = publish_serving(settings, run_label="superset-tests")
    step("publish", t)
    return {
        "serving": str(settings.serving),
        "warehouse": str(settings.warehouse),
        "raw_dir": str(settings.raw),
        "data_docs": str(Path(settings.var_dir) / "data_docs"),
        "tables": published["tables"],
        "seconds": seconds,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.superset.build_serving <var_dir>")
    print(json.dumps(build(Path(sys.argv[1]).resolve())))
