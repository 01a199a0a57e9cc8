"""The dbt project on Spark equals DuckDB, table by table (envs/spark/build.sh).

Spark builds days 1..N-3 in full, N-2..N-1 and N incrementally; DuckDB builds
days 1..N in full: the compared tables must be equal, so Spark's incremental
runs equal a full build. Two sizes:

- `build.sh --incremental-only` (marked `slow`: CI's `./scripts/test -m slow`
  runs it): the 22 incremental models and their parents only, all 22 compared
  (~8-12 min on 2 busy cores, see envs/spark/README.md "Measured");
- `build.sh` (marked `spark`): step 3 a full `dbt build` on both engines, every
  mart and incremental model compared (~45 min on 2 busy cores, ~10 GB):
      uv run --frozen pytest -m spark

Both need envs/spark (a pyspark install of 460 MB) and Java 17.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INCREMENTAL_MODELS = 22  # envs/spark/duckdb_side.py INCREMENTAL


def _build(tmp_path: Path, *args: str) -> str:
    """build.sh's stdout; the test fails with the output's tail if it exits non-zero."""
    done = subprocess.run(
        ["bash", str(REPO / "envs" / "spark" / "build.sh"), *args],
        cwd=REPO,
        env={**os.environ, "ZHIWANG_SPARK_CHECK_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-8000:]
    # build.sh's own check: every incremental model took the incremental path on Spark
    ran = re.findall(
        r"^step [23]: (\d+) of (\d+) incremental models ran incrementally", done.stdout, re.M
    )
    assert ran == [(str(INCREMENTAL_MODELS),) * 2] * 2, out[-8000:]
    return done.stdout


def _summary(out: str) -> tuple[int, int]:
    summary = re.search(r"^(\d+) tables equal, (\d+) differ$", out, re.M)
    assert summary, out[-8000:]
    return int(summary.group(1)), int(summary.group(2))


@pytest.mark.slow
def test_spark_incremental_models_equal_duckdb_full_build(tmp_path: Path) -> None:
    out = _build(tmp_path, "--incremental-only")
    assert _summary(out) == (INCREMENTAL_MODELS, 0), out[-8000:]


@pytest.mark.spark
def test_spark_incremental_build_equals_duckdb_full_build(tmp_path: Path) -> None:
    out = _build(tmp_path)
    equal, differ = _summary(out)
    # every mart and every incremental model outside marts (80 tables when last run,
    # dbt_project/README.md); those in marts are counted there
    assert equal >= 40 and differ == 0, out[-8000:]
    incremental = re.findall(r"^  OK   (\w+)", out.split("incremental:")[-1], re.M)
    assert len(incremental) >= 9, out[-8000:]
