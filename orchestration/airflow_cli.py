"""``airflow`` against the embedded default: ``envs/airflow/airflow.sh <airflow args>``.

Installs the Airflow environment from its lock, points it at the project's
``dags/``, the project-local ``AIRFLOW_HOME=<var_dir>/airflow`` (SQLite, the
one ``zhiwang run`` uses) and the ``ZHIWANG_*`` settings, migrates the metadata
and creates the single-writer pool, then execs the ``airflow`` command, e.g.

    envs/airflow/airflow.sh standalone          # the UI on http://localhost:8080
    envs/airflow/airflow.sh dags list-runs ingest_population
    envs/airflow/airflow.sh backfill create --dag-id ingest_population \\
        --from-date 2026-10-01 --to-date 2026-10-07 --reprocess-behavior completed

Runs in the root environment (no Airflow import here).
"""

from __future__ import annotations

import os
import subprocess
import sys

from orchestration.runner import (
    airflow_environ,
    airflow_home,
    ensure_airflow_env,
    init_airflow_home,
)
from orchestration.schedules import WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS
from zhiwang.settings import get_settings


def main(argv: list[str]) -> int:
    settings = get_settings()
    python = ensure_airflow_env()
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    init_airflow_home(settings, python, home / "runner.log")
    env = airflow_environ(settings)
    airflow = str(python.with_name("airflow"))
    subprocess.run(
        [airflow, "pools", "set", WAREHOUSE_POOL, str(WAREHOUSE_POOL_SLOTS),
         "One writer on the DuckDB warehouse file at a time"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    # `standalone` starts its components as `airflow ...` found on PATH.
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    os.execve(airflow, [airflow, *argv], env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
