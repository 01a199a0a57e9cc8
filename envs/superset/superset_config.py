"""Superset configuration for zhiwang's decision-analysis views.

Loaded through ``SUPERSET_CONFIG_PATH`` (set by ``envs/superset/bootstrap.sh``).
Everything machine-specific comes from the environment; the defaults suit one
developer machine. Security controls and their tests: docs/SECURITY.md.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO / "superset") not in sys.path:
    sys.path.insert(0, str(_REPO / "superset"))

from zhiwang_superset.envfile import (  # noqa: E402
    data_docs_dir,
    load_env_file,
    load_secrets,
    secrets_module,
    superset_home,
    var_dir,
)

# The repository's .env (see .env.example), then the secrets generated under
# <var_dir>/secrets.env by `zhiwang run`; the environment wins over both.
load_env_file()
load_secrets()
zhiwang_secrets = secrets_module()

SUPERSET_HOME = superset_home()
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)

# SQLite metadata by default: a single-node install needs no database server.
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_METADATA_URI", f"sqlite:///{SUPERSET_HOME / 'superset.db'}"
)
DATA_DIR = str(SUPERSET_HOME)
# Signs session cookies: an empty, short or published value (any value ever in
# .env.example or the code) refuses to start, unless ZHIWANG_DEV_MODE=1.
SECRET_KEY = zhiwang_secrets.check(
    zhiwang_secrets.SUPERSET_SECRET_KEY, os.environ.get("SUPERSET_SECRET_KEY"), var_dir()
)

# Row-level security that a crafted chart request cannot escape (docs/SECURITY.md):
# layer 1 refuses free SQL from users without SQL Lab, layer 2 connects a
# street/community leader to a serving file holding only their scope's rows.
from zhiwang_superset.access import (  # noqa: E402
    ZhiwangSecurityManager,
    harden_app,
    scoped_connection,
)

CUSTOM_SECURITY_MANAGER = ZhiwangSecurityManager
DB_CONNECTION_MUTATOR = scoped_connection
FLASK_APP_MUTATOR = harden_app

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

# --- web hardening (docs/SECURITY.md) ---------------------------------------
# ZHIWANG_HTTPS=1 (the production config, docker-compose.yml): served over TLS
# behind a reverse proxy, so cookies are Secure and HSTS is sent. Unset (the
# embedded default on http://127.0.0.1) everything else below still applies.
HTTPS = os.environ.get("ZHIWANG_HTTPS", "").strip() == "1"
ENABLE_PROXY_FIX = HTTPS  # trust X-Forwarded-Proto from the TLS proxy
WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
REMEMBER_COOKIE_SECURE = HTTPS
REMEMBER_COOKIE_HTTPONLY = True
# An idle login ends after 8 hours (one working day); refreshed on each request.
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
SESSION_REFRESH_EACH_REQUEST = True

# Content-Security-Policy and the other headers by Flask-Talisman: Superset's
# own policy (script nonces + 'strict-dynamic') minus every third-party
# origin (the dashboards load nothing from outside), no framing by other sites.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "frame_options": "SAMEORIGIN",
    "force_https": False,  # TLS ends at the proxy; HSTS tells browsers to stay on https
    "strict_transport_security": HTTPS,
    "strict_transport_security_max_age": 365 * 24 * 3600,
    "session_cookie_secure": HTTPS,
    "referrer_policy": "same-origin",
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG

# Login throttling (Flask-Limiter; in-process memory unless RATELIMIT_STORAGE_URI
# names a shared store such as redis://, so each gunicorn worker counts apart):
# every POST to the login form at most AUTH_RATE_LIMIT, and failed logins per
# client and user name (zhiwang_superset.access) at most LOGIN_FAILURE_LIMIT.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = os.environ.get("SUPERSET_RATELIMIT_STORAGE_URI", "memory://")
RATELIMIT_APPLICATION = "1000 per second"
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "10 per second"
LOGIN_FAILURE_LIMIT = os.environ.get("SUPERSET_LOGIN_FAILURE_LIMIT", "5 per 5 minutes")
LOGIN_FAILURE_LIMIT_PER_CLIENT = "30 per 5 minutes"

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
DATA_DOCS_DIR = data_docs_dir()


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
