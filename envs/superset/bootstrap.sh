#!/usr/bin/env bash
# Idempotent Superset bootstrap for zhiwang: metadata DB, roles, dashboards as
# code, row-level security and demo users. Safe to run on every `zhiwang run`.
#   ZHIWANG_SERVING_PATH  serving copy (default var/serving/zhiwang_serving.duckdb)
#   SUPERSET_HOME         metadata + state (default var/superset)
#   SUPERSET_*_PASSWORD   admin and demo users' passwords (see superset/README.md)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
command -v uv >/dev/null 2>&1 || pip install --quiet uv
export SUPERSET_HOME="${SUPERSET_HOME:-$REPO/var/superset}"
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export ZHIWANG_SERVING_PATH="${ZHIWANG_SERVING_PATH:-$REPO/var/serving/zhiwang_serving.duckdb}"
export PYTHONPATH="$REPO/superset${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$SUPERSET_HOME"
exec uv run --quiet --frozen --project "$HERE" python -m zhiwang_superset bootstrap "$@"
