#!/usr/bin/env bash
# `airflow` on the embedded default (AIRFLOW_HOME=var/airflow, SQLite, dags/,
# the project's ZHIWANG_* settings): the same Airflow home as `zhiwang run`.
#   envs/airflow/airflow.sh standalone        # UI on http://localhost:8080
#   envs/airflow/airflow.sh dags list-runs ingest_population
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
command -v uv >/dev/null 2>&1 || pip install --quiet uv
cd "$REPO"
exec uv run --quiet --frozen python -m orchestration.airflow_cli "$@"
