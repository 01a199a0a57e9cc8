"""Secrets and web hardening of the running Superset (docs/SECURITY.md).

- a session cookie forged with the old published key is refused, while the
  same forgery with the server's real key is accepted (the forgery is sound);
- a start with a published default secret refuses, with a clear message;
- CSP, X-Frame-Options and the other headers; cookie flags;
- failed logins are throttled (a bounded loop against 127.0.0.1 only).
"""

from __future__ import annotations

import subprocess

import pytest
import requests

from tests.superset.conftest import DEMO_PASSWORD, ENV_DIR, SECRET_KEY, SupersetServer

OLD_DEFAULT_KEY = "zhiwang-superset-dev-only-change-me"


def _forged_session(secret_key: str) -> str:
    """A Flask session cookie {"_user_id": "1"} (the admin) signed with ``secret_key``."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("forger")
    app.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.dumps({"_user_id": "1", "_fresh": True})


def _as_cookie(server: SupersetServer, cookie: str) -> requests.Response:
    # /api/v1/database/ lists connections to the admin only; no login is made here.
    return requests.get(f"{server.url}/api/v1/database/", cookies={"session": cookie}, timeout=60)


def test_a_cookie_forged_with_the_old_default_key_is_refused(
    superset_server: SupersetServer,
) -> None:
    forged = _as_cookie(superset_server, _forged_session(OLD_DEFAULT_KEY))
    assert forged.status_code == 401, forged.text[:300]
    # Control: the same forgery signed with the server's real key is accepted, so the
    # refusal above is the key's doing, not a malformed cookie.
    control = _as_cookie(superset_server, _forged_session(SECRET_KEY))
    assert control.status_code == 200, control.text[:300]
    assert control.json()["count"] >= 1


@pytest.mark.parametrize(
    "name, value",
    [
        ("SUPERSET_SECRET_KEY", OLD_DEFAULT_KEY),
        ("SUPERSET_SECRET_KEY", ""),
        ("SUPERSET_SECRET_KEY", "a-weak-key-9"),
    ],
)
def test_superset_refuses_to_start_with_a_published_or_empty_secret_key(
    superset_server: SupersetServer, name: str, value: str
) -> None:
    env = {**superset_server.env, name: value}
    env.pop("ZHIWANG_DEV_MODE", None)
    start = "from superset.app import create_app; create_app()"
    proc = subprocess.run(
        [str(ENV_DIR / ".venv" / "bin" / "python"), "-c", start],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "refusing to start" in proc.stderr and name in proc.stderr, proc.stderr[-1500:]
    assert value == "" or value not in proc.stderr.split("refusing to start")[-1]


def test_bootstrap_refuses_a_published_demo_password(superset_server: SupersetServer) -> None:
    env = {**superset_server.env, "SUPERSET_ANALYST_PASSWORD": "zhiwang-dev-only"}
    proc = subprocess.run(
        [str(ENV_DIR / "bootstrap.sh")], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode != 0
    assert "SUPERSET_ANALYST_PASSWORD is a published default" in proc.stderr, proc.stderr[-1500:]


def test_security_headers_and_cookie_flags(superset_server: SupersetServer) -> None:
    response = requests.get(f"{superset_server.url}/login/", timeout=60)
    assert response.status_code == 200
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'",
                      "script-src 'self' 'strict-dynamic' 'nonce-"):  # fmt: skip
        assert directive in csp, csp
    assert "unsafe-eval" not in csp and "https:" not in csp, csp
    assert response.headers.get("X-Frame-Options") == "SAMEORIGIN"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    # Plain http on 127.0.0.1 (embedded default): no HSTS, no Secure flag, still HttpOnly.
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_failed_logins_are_throttled(superset_server: SupersetServer) -> None:
    url = f"{superset_server.url}/api/v1/security/login"
    probe = {"username": "zhiwang_throttle_probe", "password": "wrong", "provider": "db"}
    statuses = []
    # 5 failures per client and user name, counted per gunicorn worker (2): the
    # 11th attempt at the latest is refused. Bounded, and 127.0.0.1 only.
    for _ in range(12):
        statuses.append(requests.post(url, json=probe, timeout=60).status_code)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) <= {401}, statuses
    # Other users are not locked out by someone else's failures.
    ok = requests.post(
        url,
        json={"username": "district_leader", "password": DEMO_PASSWORD, "provider": "db"},
        timeout=60,
    )
    assert ok.status_code == 200, ok.text[:200]
