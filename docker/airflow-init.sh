#!/usr/bin/env bash
# One-shot initialisation of the Airflow metadata database and the pool that
# keeps one writer on the DuckDB warehouse (orchestration/schedules.py).
set -euo pipefail
mkdir -p /data/airflow
airflow db migrate
airflow pools set zhiwang_warehouse 1 "One writer on the DuckDB warehouse file at a time"
