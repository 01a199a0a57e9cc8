"""Superset configuration for zhiwang's decision-analysis views.

Loaded through ``SUPERSET_CONFIG_PATH`` (set by ``envs/superset/bootstrap.sh``).
Everything machine-specific comes from the environment; the defaults suit one
developer machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO / "superset") not in sys.path:
    sys.path.insert(0, str(_REPO / "superset"))

from zhiwang_superset.envfile import load_env_file, var_dir  # noqa: E402

# The repository's .env (see .env.example): secrets and passwords; the environment wins.
load_env_file()

SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME") or var_dir() / "superset")
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)

# SQLite metadata by default: a single-node install needs no database server.
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_METADATA_URI", f"sqlite:///{SUPERSET_HOME / 'superset.db'}"
)
DATA_DIR = str(SUPERSET_HOME)
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or "zhiwang-superset-dev-only-change-me"

# duckdb:// URIs point at a local file, which Superset calls "unsafe"; the
# serving copy is a file by design and its connection disables external access.
PREVENT_UNSAFE_DB_CONNECTIONS = False

# Chinese labels by default, English one click away.
BABEL_DEFAULT_LOCALE = os.environ.get("SUPERSET_LOCALE", "zh")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "us", "name": "English"},
}

FEATURE_FLAGS = {
    # A leader sees the dashboards whose datasets one of their roles can read.
    "DASHBOARD_RBAC": False,
    "ALERT_REPORTS": False,
    # Virtualisation mounts only the rows near the viewport and unmounts them
    # again from IntersectionObserver callbacks; on our dashboards of 6-8 charts
    # it saves nothing, and in headless browsers it has left a whole grid blank
    # after every chart had drawn (Superset turns it off for its own screenshot
    # bot for the same reason).
    "DASHBOARD_VIRTUALIZATION": False,
}

# Served on localhost behind nothing: the strict CSP would block the app's own
# inline bootstrap data in some browsers; re-enable behind a real proxy.
TALISMAN_ENABLED = os.environ.get("TALISMAN_ENABLED", "false").lower() == "true"
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SAMESITE = "Lax"

# Dashboards answer from the small marts table; a 60 s cache keeps a leader's
# clicks cheap without hiding a fresh publish for long.
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "SimpleCache",
    "CACHE_DEFAULT_TIMEOUT": 60,
    "CACHE_KEY_PREFIX": "zhiwang_data_",
}

ROW_LIMIT = 50_000
SQL_MAX_ROW = 100_000
SUPERSET_WEBSERVER_TIMEOUT = 120


# Great Expectations Data Docs (built by `zhiwang validate` under <var_dir>/data_docs),
# served at /data_docs/ to logged-in users only: the data quality dashboard links
# there. Validation samples may name keys, so the pages are not public.
DATA_DOCS_DIR = Path(os.environ.get("ZHIWANG_DATA_DOCS_DIR") or var_dir() / "data_docs")


def _data_docs_blueprint():
    from flask import Blueprint, abort, redirect, request, send_from_directory
    from flask_login import current_user

    blueprint = Blueprint("zhiwang_data_docs", __name__)

    def serve(path: str):
        if not current_user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        if not (DATA_DOCS_DIR / "index.html").is_file():
            abort(404, description=f"no Data Docs built under {DATA_DOCS_DIR}")
        # send_from_directory refuses paths that leave DATA_DOCS_DIR.
        return send_from_directory(DATA_DOCS_DIR, path)

    blueprint.add_url_rule("/data_docs/", "index", lambda: serve("index.html"))
    blueprint.add_url_rule("/data_docs/<path:path>", "page", serve)

    return blueprint


BLUEPRINTS = [_data_docs_blueprint()]
