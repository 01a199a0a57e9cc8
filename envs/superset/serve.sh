#!/usr/bin/env bash
# Start, stop or check zhiwang's Superset web server (gunicorn, in the background).
#   envs/superset/serve.sh start    # waits until /health answers, prints URL and logins
#   envs/superset/serve.sh stop
#   envs/superset/serve.sh status
# Run envs/superset/bootstrap.sh first. Environment (or .env): SUPERSET_PORT
# (8088), SUPERSET_BIND (127.0.0.1), SUPERSET_HOME ($ZHIWANG_VAR_DIR/superset,
# holds gunicorn.pid and server.log), ZHIWANG_VAR_DIR (<repo>/var).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
export PYTHONPATH="$REPO/superset${PYTHONPATH:+:$PYTHONPATH}"
# The variables this script needs, from the environment, else the project's .env
# (ZHIWANG_ENV_FILE), parsed by python-dotenv as the Python side parses it.
eval "$(uv run --frozen --quiet --project "$HERE" python -m zhiwang_superset.envfile \
  SUPERSET_PORT SUPERSET_BIND SUPERSET_HOME ZHIWANG_VAR_DIR)"
VAR_DIR="${ZHIWANG_VAR_DIR:-$REPO/var}"
export SUPERSET_HOME="${SUPERSET_HOME:-$VAR_DIR/superset}"
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
PORT="${SUPERSET_PORT:-8088}"
BIND="${SUPERSET_BIND:-127.0.0.1}"
PIDFILE="$SUPERSET_HOME/gunicorn.pid"
LOG="$SUPERSET_HOME/server.log"
URL="http://$BIND:$PORT"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-start}" in
  start)
    if running; then echo "Superset already running (pid $(cat "$PIDFILE")) at $URL"; exit 0; fi
    mkdir -p "$SUPERSET_HOME"
    uv sync --frozen --quiet --project "$HERE"
    "$HERE/.venv/bin/gunicorn" -w 2 --threads 4 -b "$BIND:$PORT" --timeout 120 \
      --daemon --pid "$PIDFILE" --log-file "$LOG" --capture-output \
      'superset.app:create_app()'
    for _ in $(seq 1 180); do
      if curl -fsS "$URL/health" 2>/dev/null | grep -q OK; then
        echo "Superset: $URL (stop: envs/superset/serve.sh stop; log: $LOG)"
        echo "  logins: district_leader, street_leader_xinan (新安街道), community_leader_baomin (宝民社区), analyst, data_office (数据治理), admin"
        echo "  passwords: SUPERSET_*_PASSWORD from the environment, .env or $VAR_DIR/secrets.env (generated, 0600)"
        exit 0
      fi
      sleep 1
    done
    echo "Superset did not become healthy in 180 s; see $LOG" >&2
    exit 1
    ;;
  stop)
    if running; then
      kill "$(cat "$PIDFILE")"
      for _ in $(seq 1 30); do running || break; sleep 1; done
      echo "Superset stopped"
    else
      echo "Superset not running"
    fi
    rm -f "$PIDFILE"
    ;;
  status)
    if running; then echo "running (pid $(cat "$PIDFILE")) at $URL"; else echo "not running"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
