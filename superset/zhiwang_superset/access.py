"""The two layers of row-level security in the running Superset (docs/SECURITY.md).

- :class:`ZhiwangSecurityManager` (``CUSTOM_SECURITY_MANAGER``): after
  Superset's own checks, every chart-data request of a user without SQL Lab is
  checked by :mod:`zhiwang_superset.guard`: requester SQL that is more than an
  expression over the dataset's own columns is refused (HTTP 403).
- :func:`scoped_connection` (``DB_CONNECTION_MUTATOR``): a user holding a
  street/community scope role is connected to that scope's serving file
  (``orchestration/scoped_serving.py``), which holds only the scope's rows, so
  SQL that got past layer 1 still finds nothing outside the scope. Fails
  closed: a leader role without exactly one scope, or a missing scope file,
  refuses the connection.

Superset 6.1 builds a new engine (``NullPool``) for every query in
``Database._get_sqla_engine`` and calls the mutator each time with the
requesting user's name, so no pooled connection or engine cache carries one
user's file to another.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
from superset.exceptions import SupersetSecurityException
from superset.security import SupersetSecurityManager

from zhiwang_superset.guard import FreeSqlRefused, check_request

log = logging.getLogger(__name__)

SCOPE_ROLE_PREFIX = "zhiwang_scope_"
# Roles whose users must carry a scope (security.yaml: street and community leaders).
SCOPED_ROLES = frozenset({"zhiwang_street_leader", "zhiwang_community_leader"})
SCOPES_DIR = "scopes"


class ZhiwangSecurityManager(SupersetSecurityManager):
    """Superset's security manager plus layer 1: no free SQL from users without SQL Lab."""

    def raise_for_access(self, **kwargs: Any) -> None:  # type: ignore[override]
        super().raise_for_access(**kwargs)
        query_context, viz = kwargs.get("query_context"), kwargs.get("viz")
        if query_context is None and viz is None:
            return
        if self.is_admin() or self.can_access("can_execute_sql_query", "SQLLab"):
            return  # SQL Lab users may write SQL anyway; layer 2 still confines scopes
        datasource = query_context.datasource if query_context is not None else viz.datasource
        columns = {c.column_name for c in getattr(datasource, "columns", [])}
        metrics = {m.metric_name for m in getattr(datasource, "metrics", [])}
        if query_context is not None:
            queries = [q.to_dict() for q in query_context.queries]
            queries.append(query_context.form_data or {})
        else:
            queries = [viz.query_obj(), viz.form_data or {}]
        try:
            check_request(queries, columns, metrics)
        except FreeSqlRefused as err:
            log.warning("refused free SQL in a chart request: %s", err)
            raise SupersetSecurityException(
                SupersetError(
                    error_type=SupersetErrorType.ADHOC_SUBQUERY_NOT_ALLOWED_ERROR,
                    message=(
                        "Custom SQL in charts is limited to expressions over the "
                        f"dataset's own columns ({err}); ask an analyst for other queries."
                    ),
                    level=ErrorLevel.ERROR,
                )
            ) from None

    def get_rls_cache_key(self, datasource: Any) -> list[str]:
        # A scoped user's results come from their scope's file: keep them apart in the cache.
        from flask import g

        user = getattr(g, "user", None)
        roles = {role.name for role in getattr(user, "roles", None) or []}
        scopes = [r for r in sorted(roles) if r.startswith(SCOPE_ROLE_PREFIX)]
        return super().get_rls_cache_key(datasource) + [f"scope:{s}" for s in scopes]

    def auth_user_db(self, username: str, password: str) -> Any:
        # Layer against password guessing: count every failed login (see login_throttle).
        user = super().auth_user_db(username, password)
        if user is None:
            _failure_limiter().hit(username)
        return user


class FailureLimiter:
    """Failed logins per (client address, user name) and per client address.

    Counted in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: in-process
    memory by default, a redis:// URI to share it between workers and hosts).
    """

    def __init__(self, storage_uri: str, per_user: str, per_client: str) -> None:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.per_user, self.per_client = parse(per_user), parse(per_client)

    @staticmethod
    def _keys(username: str) -> tuple[str, str]:
        from flask import request

        client = request.remote_addr or "?"
        return f"{client}|{(username or '').strip().lower()}", client

    def hit(self, username: str) -> None:
        user_key, client = self._keys(username)
        self.limiter.hit(self.per_user, "zhiwang_login_failed_user", user_key)
        self.limiter.hit(self.per_client, "zhiwang_login_failed_client", client)

    def blocked(self, username: str) -> bool:
        user_key, client = self._keys(username)
        return not (
            self.limiter.test(self.per_user, "zhiwang_login_failed_user", user_key)
            and self.limiter.test(self.per_client, "zhiwang_login_failed_client", client)
        )


_FAILURES: FailureLimiter | None = None


def _failure_limiter() -> FailureLimiter:
    global _FAILURES
    if _FAILURES is None:
        from flask import current_app

        config = current_app.config
        _FAILURES = FailureLimiter(
            config.get("RATELIMIT_STORAGE_URI") or "memory://",
            config["LOGIN_FAILURE_LIMIT"],
            config["LOGIN_FAILURE_LIMIT_PER_CLIENT"],
        )
    return _FAILURES


LOGIN_PATHS = ("/login/", "/login", "/api/v1/security/login")


def login_throttle() -> Any:
    """``before_request``: a login attempt after too many failures gets HTTP 429."""
    from flask import jsonify, request

    if request.method != "POST" or request.path not in LOGIN_PATHS:
        return None
    body = request.get_json(silent=True) if request.is_json else None
    username = (body or {}).get("username") if isinstance(body, dict) else None
    username = username or request.form.get("username") or ""
    if not _failure_limiter().blocked(str(username)):
        return None
    log.warning("login throttled after repeated failures from %s", request.remote_addr)
    response = jsonify(message="Too many failed logins; wait a few minutes and try again.")
    response.status_code = 429
    response.headers["Retry-After"] = "300"
    return response


def harden_app(app: Any) -> None:
    """``FLASK_APP_MUTATOR``: the failed-login throttle runs before every login view."""
    app.before_request(login_throttle)


def user_scope_roles(role_names: set[str]) -> tuple[bool, list[str]]:
    """(must be scoped, the scope roles held) for a user's role names."""
    scopes = sorted(r for r in role_names if r.startswith(SCOPE_ROLE_PREFIX))
    return bool(scopes) or bool(role_names & SCOPED_ROLES), scopes


def scoped_database_path(serving: Path, scope_role: str) -> Path:
    """The scope's serving file; the layout of ``orchestration/scoped_serving.py``."""
    return serving.parent / SCOPES_DIR / scope_role / serving.name


def scoped_connection(
    uri: Any, params: dict[str, Any], username: str | None, security_manager: Any, source: Any
) -> tuple[Any, dict[str, Any]]:
    """``DB_CONNECTION_MUTATOR``: a scoped user's queries open their scope's file only."""
    if not username or uri.drivername != "duckdb" or not uri.database:
        return uri, params
    user = security_manager.find_user(username=username)
    if user is None:
        return uri, params
    must, scopes = user_scope_roles({role.name for role in user.roles})
    if not must:
        return uri, params
    if len(scopes) != 1:
        raise _refuse(f"user {username} has {len(scopes)} scope roles; exactly one is required")
    path = scoped_database_path(Path(uri.database), scopes[0])
    if not path.is_file():
        raise _refuse(
            f"no scoped serving copy {path}: publish again (the transform DAG or "
            "`uv run zhiwang run --no-generate`)"
        )
    return uri.set(database=str(path)), params


def _refuse(message: str) -> SupersetSecurityException:
    log.error("scoped connection refused: %s", message)
    return SupersetSecurityException(
        SupersetError(
            error_type=SupersetErrorType.DATASOURCE_SECURITY_ACCESS_ERROR,
            message=message,
            level=ErrorLevel.ERROR,
        )
    )
