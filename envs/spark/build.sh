#!/usr/bin/env bash
# The dbt project on DuckDB and on Spark over the same tiny warehouse; every
# mart and every incremental model compared. Spark builds incrementally, as
# production does, DuckDB in full, so the comparison proves that Spark's
# incremental runs equal a full build.
# Exits non-zero when a build fails or any table differs.
#   envs/spark/build.sh                     # every mart + the 22 incremental models
#   envs/spark/build.sh --incremental-only  # CI-sized: the 22 incremental models only
#                                           # (or ZHIWANG_SPARK_CHECK=incremental)
# work dir: $ZHIWANG_SPARK_CHECK_DIR, default $ZHIWANG_VAR_DIR/spark-check (default var/)
# Steps (generate: 7 daily deliveries; ingest and DuckDB in the main env, Spark
# through envs/spark/dbt_spark.py in the envs/spark env; each Spark step reads
# the raw layer as the ingest left it, exported to Parquet):
#   1. days 1..N-3 ingested -> Spark builds the incremental models and their
#      parents in full (--full-refresh)
#   2. days N-2, N-1 ingested -> Spark builds the same models, incremental (the
#      weekly housing snapshot and the events of day N-2..N-1: dim_room and
#      dim_building re-derive every row, the persons and events the touched ones)
#   3. day N ingested (a corrected contribution month; no housing snapshot, no
#      complete events delivery) + validated -> dbt build on DuckDB, in full ->
#      dbt build on Spark, incremental -> every mart and incremental model compared
#      (--incremental-only: both engines build step 1's selection, models and
#      seeds, no data tests; the 22 incremental models compared, each must be there)
set -euo pipefail
MODE="${ZHIWANG_SPARK_CHECK:-full}"
case "${1:-}" in
    --incremental-only) MODE=incremental ;;
    --full) MODE=full ;;
    "") ;;
    *) echo "usage: $0 [--incremental-only | --full]" >&2; exit 2 ;;
esac
case "$MODE" in
    full | incremental) ;;
    *) echo "ZHIWANG_SPARK_CHECK must be full or incremental, not $MODE" >&2; exit 2 ;;
esac
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

# the models built with large_fact_strategy() (envs/spark/duckdb_side.py INCREMENTAL)
INCREMENTAL=($(uv run --quiet --frozen python -c \
    'import sys; sys.path.insert(0, "envs/spark"); import duckdb_side; print(*duckdb_side.INCREMENTAL)'))
# per model, the name of the staging table its incremental run writes (same order)
STAGED=($(uv run --quiet --frozen python -c \
    'import sys; sys.path.insert(0, "envs/spark"); import duckdb_side; print(*duckdb_side.STAGED)'))
MODELS_ONLY=(--resource-type model --resource-type seed)
zw() { ZHIWANG_VAR_DIR="$TINY" uv run --quiet --frozen zhiwang "$@"; }
spark_dbt() {  # spark_dbt LABEL TARGET_SUFFIX ARGS... (dbt_spark.py in the envs/spark env)
    local label="$1" suffix="$2"
    shift 2
    ZHIWANG_VAR_DIR="$TINY" DBT_TARGET_PATH="$WORK/target-spark-$suffix" \
        DBT_LOG_PATH="$WORK/logs-spark-$suffix" \
        uv run --quiet --frozen python "$MEASURE" "$label" -- \
        envs/spark/.venv/bin/python envs/spark/dbt_spark.py "$@"
}

ingest() { for day in "$@"; do zw ingest --delivery "$day" --quiet; done; }
export_raw() {  # the DuckDB warehouse's raw, dq, audit (and marts, incremental models) as Parquet
    uv run --quiet --frozen python envs/spark/duckdb_side.py export "$TINY/warehouse/zhiwang.duckdb" "$1"
}

echo "== tiny warehouse in $TINY"
rm -rf "$TINY" "$WORK"/parquet* "$WORK/spark-out" "$WORK"/logs-*
mkdir -p "$TINY" "$ZHIWANG_SPARK_DIR"
zw generate --scale tiny --quiet
DATES=($(find "$TINY/landing" -mindepth 2 -maxdepth 2 -type d -printf '%f\n' | sort -u))
N=${#DATES[@]}
[ "$N" -ge 4 ] || { echo "need 4 delivery dates or more, got $N" >&2; exit 2; }
SELECT=()
for model in "${INCREMENTAL[@]}"; do SELECT+=("+$model"); done
(cd envs/spark && uv sync --quiet --frozen)

echo "== 1. days ${DATES[0]}..${DATES[N-4]}: Spark builds the incremental models in full"
ingest "${DATES[@]:0:N-3}"
export_raw "$WORK/parquet-1"
# a full refresh: the metastore persists between runs, and a run with another
# throwaway key must rebuild every pseudonym (macros/pseudonym.sql check_pseudonym_key)
spark_dbt "1. load + dbt build, ${#INCREMENTAL[@]} incremental models + parents, full (Spark)" 1 \
    --raw "$WORK/parquet-1" build --full-refresh --select "${SELECT[@]}" "${MODELS_ONLY[@]}" --quiet

echo "== 2. days ${DATES[N-3]}, ${DATES[N-2]}: Spark builds them incrementally"
ingest "${DATES[@]:N-3:2}"
export_raw "$WORK/parquet-2"
spark_dbt "2. load + dbt build, incremental models + parents, incremental (Spark)" 2 \
    --raw "$WORK/parquet-2" build --select "${SELECT[@]}" "${MODELS_ONLY[@]}" --quiet

if [ "$MODE" = full ]; then
    STEP3=("${EXCLUDE[@]}")   # dbt build: every model, seed, unit and data test
    WHAT="dbt build"
    COMPARE=()                # every mart and incremental model
else
    STEP3=(--select "${SELECT[@]}" "${MODELS_ONLY[@]}")
    WHAT="dbt build, ${#INCREMENTAL[@]} incremental models + parents"
    COMPARE=(incremental)     # exactly the 19 (duckdb_side.py INCREMENTAL)
fi
echo "== 3. day ${DATES[N-1]}: $WHAT on DuckDB (full, days 1..N), on Spark (incremental)"
ingest "${DATES[N-1]}"
# exit 1 = a delivery blocked: the verdict is data for the quality marts, not an error here
zw validate raw --no-docs >/dev/null || true
ZHIWANG_VAR_DIR="$TINY" DBT_TARGET_PATH="$WORK/target-duckdb" DBT_LOG_PATH="$WORK/logs-duckdb" \
    uv run --quiet --frozen python "$MEASURE" "3. $WHAT, full (DuckDB)" -- \
    uv run --quiet --frozen dbt build "${STEP3[@]}" --target duckdb --quiet \
    --profiles-dir dbt_project --project-dir dbt_project
export_raw "$WORK/parquet"
spark_dbt "3. load + $WHAT, incremental + export (Spark)" 3 \
    --raw "$WORK/parquet" --export "$WORK/spark-out" build "${STEP3[@]}" --quiet
# the incremental models took the incremental path (macros/spark_incremental.sql) in
# steps 2 and 3, not a rebuild: each wrote its staging table there
for step in 2 3; do
    # counted for the compared models only (another incremental model, e.g.
    # staging.int_contributor_pseudonyms, also stages its rows)
    staged=$(grep -o 'create table dbt_incremental_staging\.`[a-z_]*__new`' \
        "$WORK/logs-spark-$step/dbt.log" | sort -u)
    done_incrementally=0
    for i in "${!INCREMENTAL[@]}"; do
        if grep -qF "${STAGED[$i]}" <<<"$staged"; then done_incrementally=$((done_incrementally + 1)); fi
    done
    echo "step $step: $done_incrementally of ${#INCREMENTAL[@]} incremental models ran incrementally on Spark"
    [ "$done_incrementally" -eq "${#INCREMENTAL[@]}" ] || exit 1
done

echo "== DuckDB (full build, days 1..N) vs Spark (full 1..N-3, incremental N-2..N-1, incremental N)"
uv run --quiet --frozen python envs/spark/duckdb_side.py compare "$WORK/parquet" "$WORK/spark-out" \
    "${COMPARE[@]}"
