#!/usr/bin/env bash
# Idempotent Superset bootstrap for zhiwang: metadata DB, roles, dashboards as
# code, row-level security and demo users. Safe to run on every `zhiwang run`.
# Reads the environment, then the repository's .env (see .env.example):
#   ZHIWANG_SERVING_PATH  serving copy (default $ZHIWANG_VAR_DIR/serving/zhiwang_serving.duckdb)
#   ZHIWANG_VAR_DIR       default <repo>/var
#   SUPERSET_HOME         metadata + state (default $ZHIWANG_VAR_DIR/superset)
#   SUPERSET_*_PASSWORD, SUPERSET_SECRET_KEY  (dev-only defaults with a warning when unset)
# Options: --serving-path PATH
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
command -v uv >/dev/null 2>&1 || pip install --quiet uv
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export PYTHONPATH="$REPO/superset${PYTHONPATH:+:$PYTHONPATH}"
exec uv run --quiet --frozen --project "$HERE" python -m zhiwang_superset bootstrap "$@"
