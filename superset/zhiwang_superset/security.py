"""Roles, row-level security rules and demo users from ``superset/security.yaml``.

Street and community leaders share one permission role each; their scope is a
second, per-area role (``zhiwang_scope_street_<code>``) carrying one RLS rule
over every geo dataset, so adding a leader is one YAML entry.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECURITY_FILE = Path(__file__).resolve().parent.parent / "security.yaml"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    column: str
    code: str

    @property
    def role_name(self) -> str:
        return f"zhiwang_scope_{self.column.removesuffix('_code')}_{self.code}"

    @property
    def clause(self) -> str:
        if not self.code.isdigit():
            raise ValueError(f"area codes are digits only, got {self.code!r}")
        return f"{self.column} = '{self.code}'"


def load_security(path: Path = SECURITY_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def user_scope(user: dict[str, Any]) -> Scope | None:
    for column in ("community_code", "street_code"):
        if user.get(column):
            return Scope(column, str(user[column]))
    return None


def user_password(user: dict[str, Any]) -> str:
    """The password from ``password_env``; empty, short or published values are refused."""
    return checked_password(user["password_env"])


def checked_password(name: str) -> str:
    from zhiwang_superset.envfile import secrets_module, var_dir

    return secrets_module().check(name, os.environ.get(name), var_dir())


def apply_security(spec: dict[str, Any], database_name: str, catalog: str) -> None:
    """Create or update roles, RLS rules and users; safe to run any number of times.

    ``catalog`` is the DuckDB catalog of the serving file (its file stem):
    duckdb-engine lists schemas as ``<catalog>.<schema>`` in SQL Lab, while
    datasets name the bare schema, so schema grants cover every spelling.
    """
    from superset.connectors.sqla.models import SqlaTable

    from superset import db, security_manager

    tables = {
        table.table_name: table
        for table in db.session.query(SqlaTable).filter(SqlaTable.schema == "marts").all()
        if table.database.database_name == database_name
    }
    groups = {
        "geo": spec["geo_datasets"],
        "district": spec["district_datasets"],
        "open": spec.get("open_datasets", []),
        "stewardship": spec.get("stewardship_datasets", []),
    }
    missing = {name for names in groups.values() for name in names} - tables.keys()
    if missing:
        raise LookupError(f"datasets not imported: {sorted(missing)}")

    for role_name, grant in spec["roles"].items():
        role = security_manager.find_role(role_name) or security_manager.add_role(role_name)
        wanted = []
        for group in grant.get("datasets", []):
            wanted += [("datasource_access", tables[name].perm) for name in groups[group]]
        for schema in grant.get("schemas", []):
            for cat, spelling in ((None, schema), (None, f"{catalog}.{schema}"), (catalog, schema)):
                perm = security_manager.get_schema_perm(database_name, cat, spelling)
                wanted.append(("schema_access", perm))
        if grant.get("sql_lab"):
            sql_lab = security_manager.find_role("sql_lab")
            wanted += [(pv.permission.name, pv.view_menu.name) for pv in sql_lab.permissions]
        # Replace rather than add: a grant removed from the YAML is revoked here.
        role.permissions = [
            security_manager.add_permission_view_menu(perm, view) for perm, view in wanted
        ]

    geo_tables = [tables[name] for name in spec["geo_datasets"]]
    for user in spec["users"]:
        roles = [security_manager.find_role("Gamma")]
        roles += [security_manager.find_role(name) for name in user["roles"]]
        scope = user_scope(user)
        if scope is not None:
            scope_role = security_manager.find_role(scope.role_name) or security_manager.add_role(
                scope.role_name
            )
            _upsert_rls(scope, scope_role, geo_tables)
            roles.append(scope_role)
        _upsert_user(user, roles)
    db.session.commit()


def _upsert_rls(scope: Scope, role: Any, tables: list[Any]) -> None:
    from superset.connectors.sqla.models import RowLevelSecurityFilter
    from superset.utils.core import RowLevelSecurityFilterType

    from superset import db

    rule = db.session.query(RowLevelSecurityFilter).filter_by(name=scope.role_name).one_or_none()
    if rule is None:
        rule = RowLevelSecurityFilter(name=scope.role_name)
        db.session.add(rule)
    rule.description = f"Rows of {scope.column} {scope.code} only"
    rule.filter_type = RowLevelSecurityFilterType.REGULAR.value
    rule.group_key = scope.column
    rule.clause = scope.clause
    rule.roles = [role]
    rule.tables = tables


def _upsert_user(user: dict[str, Any], roles: list[Any]) -> None:
    from superset import security_manager

    existing = security_manager.find_user(username=user["username"])
    password = user_password(user)
    if existing is None:
        created = security_manager.add_user(
            user["username"],
            user["first_name"],
            user["last_name"],
            f"{user['username']}@zhiwang.invalid",
            roles,
            password=password,
        )
        if not created:
            raise RuntimeError(f"could not create user {user['username']}")
        return
    existing.roles = roles
    existing.first_name, existing.last_name = user["first_name"], user["last_name"]
    existing.active = True
    security_manager.reset_password(existing.id, password)
