"""The dbt project on Spark equals DuckDB, mart by mart (envs/spark/build.sh).

Marked `spark` and `slow`: not in the default run; CI's `./scripts/test -m slow`
runs it (~30 min on 2 busy cores, ~5 GB, a pyspark install of 460 MB). Alone:
    uv run --frozen pytest -m spark
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_every_mart_is_equal_on_spark_and_duckdb(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(REPO / "envs" / "spark" / "build.sh")],
        cwd=REPO,
        env={**os.environ, "ZHIWANG_SPARK_CHECK_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-8000:]
    summary = re.search(r"^(\d+) marts equal, (\d+) differ$", done.stdout, re.M)
    assert summary, out[-8000:]
    assert int(summary.group(1)) >= 30 and summary.group(2) == "0", out[-8000:]
