#!/usr/bin/env bash
# The dbt project on DuckDB and on Spark over the same tiny warehouse; every
# mart compared. Exits non-zero when a build fails or any mart differs.
#   envs/spark/build.sh            # work dir: $ZHIWANG_VAR_DIR/spark-check (default var/)
# Steps: generate + ingest + validate a tiny warehouse (main env) -> dbt build on
# DuckDB -> export raw/dq/audit/marts to Parquet -> the same Parquet as Spark tables ->
# dbt build on Spark (envs/spark env, dbt_spark.py) -> compare every mart.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
command -v uv >/dev/null 2>&1 || pip install --quiet uv
VAR="$(realpath -m "${ZHIWANG_VAR_DIR:-var}")"
WORK="${ZHIWANG_SPARK_CHECK_DIR:-$VAR/spark-check}"
# the tiny warehouse has its own var dir: the main one is never touched
TINY="$WORK/tiny"
export ZHIWANG_SPARK_DIR="$WORK/spark"   # Spark warehouse + Derby metastore (kept between runs)
export DO_NOT_TRACK=1
# zw_pseudonym()'s key (both engines read it from the environment): the check
# runs on synthetic data, so a throwaway key serves when none is set
export ZHIWANG_PSEUDONYM_KEY="${ZHIWANG_PSEUDONYM_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}"
# dq/quality marts need the gate's dq tables: they come from `zhiwang validate`
EXCLUDE=()
MEASURE="envs/spark/measure.py"

echo "== tiny warehouse in $TINY"
rm -rf "$TINY" "$WORK/parquet" "$WORK/spark-out"
mkdir -p "$TINY" "$ZHIWANG_SPARK_DIR"
ZHIWANG_VAR_DIR="$TINY" uv run --quiet --frozen zhiwang generate --scale tiny --quiet
ZHIWANG_VAR_DIR="$TINY" uv run --quiet --frozen zhiwang ingest --quiet
# exit 1 = a delivery blocked: the verdict is data for the quality marts, not an error here
ZHIWANG_VAR_DIR="$TINY" uv run --quiet --frozen zhiwang validate raw --no-docs >/dev/null || true

echo "== dbt build on DuckDB"
ZHIWANG_VAR_DIR="$TINY" DBT_TARGET_PATH="$WORK/target-duckdb" DBT_LOG_PATH="$WORK/logs-duckdb" \
    uv run --quiet --frozen python "$MEASURE" "dbt build (DuckDB)" -- \
    uv run --quiet --frozen dbt build "${EXCLUDE[@]}" --target duckdb --quiet \
    --profiles-dir dbt_project --project-dir dbt_project
uv run --quiet --frozen python envs/spark/duckdb_side.py export \
    "$TINY/warehouse/zhiwang.duckdb" "$WORK/parquet"

echo "== dbt build on Spark"
# a full refresh, as the DuckDB side's build is a fresh one: the metastore persists
# between runs, and a run with another throwaway key must rebuild every pseudonym
# (macros/pseudonym.sql check_pseudonym_key); Spark's incrementals rebuild in full anyway
(cd envs/spark && uv sync --quiet --frozen)
ZHIWANG_VAR_DIR="$TINY" DBT_TARGET_PATH="$WORK/target-spark" DBT_LOG_PATH="$WORK/logs-spark" \
    uv run --quiet --frozen python "$MEASURE" "load + dbt build (Spark)" -- \
    envs/spark/.venv/bin/python envs/spark/dbt_spark.py --raw "$WORK/parquet" \
    --export "$WORK/spark-out" build --full-refresh "${EXCLUDE[@]}" --quiet

echo "== marts: DuckDB vs Spark"
uv run --quiet --frozen python envs/spark/duckdb_side.py compare "$WORK/parquet" "$WORK/spark-out"
