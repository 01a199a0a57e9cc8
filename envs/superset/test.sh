#!/usr/bin/env bash
# Superset tests (Playwright on Debian's chromium), run in this environment.
# Extra arguments go to pytest. Screenshots: test-output/superset/.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
command -v uv >/dev/null 2>&1 || pip install --quiet uv
"$REPO/scripts/ensure_chromium"
uv sync --frozen --quiet --project "$HERE"
cd "$REPO"
exec uv run --frozen --project "$HERE" pytest -p no:cacheprovider -o addopts="-ra" tests/superset "$@"
