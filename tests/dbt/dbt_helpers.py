"""Run the dbt project against one warehouse file, isolated from other runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(
    args: list[str], warehouse: Path, work: Path, **env: str
) -> subprocess.CompletedProcess:
    """``dbt <args>`` on ``warehouse``; target/ and logs/ go under ``work``."""
    environ = {
        **os.environ,
        "ZHIWANG_WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DO_NOT_TRACK": "1",
        **env,
    }
    cmd = [str(DBT), *args, "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT)]
    return subprocess.run(cmd, cwd=REPO, env=environ, capture_output=True, text=True, check=False)


# the data-quality models (staging/dq, marts/quality) read the GX gate's `dq`
# schema, which exists only after `zhiwang validate`; these tests do not run it
NOT_OURS = ["--exclude", "source:dq+"]


def build(warehouse: Path, work: Path, *extra: str) -> None:
    """``dbt build``; fails the test with dbt's output when anything errors."""
    done = run_dbt(["build", *NOT_OURS, *extra], warehouse, work)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def findings(warehouse: Path) -> dict[str, set[str]]:
    """rpt_cross_checks as rule → subject keys."""
    out: dict[str, set[str]] = {}
    for rule, key in query(warehouse, "select rule_code, subject_key from marts.rpt_cross_checks"):
        out.setdefault(rule, set()).add(key)
    return out
