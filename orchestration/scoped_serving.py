"""Layer 2 of row-level security: one serving file per street/community scope.

Superset's RLS adds ``street_code = '…'`` to a dataset's query; a crafted
request that escapes the dataset (docs/SECURITY.md) would still read the whole
serving copy. So the publish also writes, for every scope a user of
``superset/security.yaml`` has, a DuckDB file holding only the marts listed
under ``scoped_marts`` there, only the scope's rows of them and only the
columns listed, under the same schema and table names; Superset opens that
file for a scoped user (``DB_CONNECTION_MUTATOR`` in
``envs/superset/superset_config.py``). Whatever SQL reaches it, the file holds
nothing outside the scope: no person-level mart beyond the columns a dashboard
counts, no other street's rows.

Layout: ``<serving dir>/scopes/<scope role>/<serving file name>`` (same file
name, so the DuckDB catalog name is the same), each swapped in atomically.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from zhiwang.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

SECURITY_FILE = PROJECT_ROOT / "superset" / "security.yaml"
SCOPES_DIR = "scopes"


@dataclass(frozen=True)
class Scope:
    column: str  # street_code | community_code
    code: str

    @property
    def role_name(self) -> str:
        # The same name the Superset bootstrap gives the scope role (zhiwang_superset.security).
        return f"zhiwang_scope_{self.column.removesuffix('_code')}_{self.code}"


def scope_file(serving: Path, role_name: str) -> Path:
    return serving.parent / SCOPES_DIR / role_name / serving.name


def load_spec(path: Path = SECURITY_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def scopes_of(spec: dict[str, Any]) -> list[Scope]:
    found = []
    for user in spec.get("users", []):
        for column in ("community_code", "street_code"):
            if user.get(column):
                code = str(user[column])
                if not code.isdigit():
                    raise ValueError(f"{user['username']}: area codes are digits, got {code!r}")
                found.append(Scope(column, code))
                break
    return sorted(set(found), key=lambda s: (s.column, s.code))


def publish_scopes(
    source: Path, serving: Path, spec: dict[str, Any] | None = None
) -> dict[str, str]:
    """Write every scope's file from the complete serving copy ``source``; role → path."""
    spec = spec or load_spec()
    tables = spec.get("scoped_marts") or {}
    scopes = scopes_of(spec)
    if not scopes or not tables:
        return {}
    with duckdb.connect(str(source), read_only=True) as con:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    if "dim_community" not in present:
        log.warning("no marts.dim_community in %s: no scoped serving copies written", source)
        return {}
    missing = sorted(set(tables) - present)
    if missing:
        raise RuntimeError(
            f"superset/security.yaml scoped_marts names marts not in the serving copy: {missing}"
        )
    written = {}
    for scope in scopes:
        target = scope_file(serving, scope.role_name)
        _build_scope(source, target, scope, tables)
        written[scope.role_name] = str(target)
    return written


def _build_scope(source: Path, target: Path, scope: Scope, tables: dict[str, Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f"{target.name}.building-{os.getpid()}")
    building.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        con.execute(f"attach '{_sql_str(source)}' as src (read_only)")
        values = _scope_values(con, scope)
        con.execute("create schema marts")
        for name, rule in sorted(tables.items()):
            rule = rule if isinstance(rule, dict) else {"where": rule}
            columns = ", ".join(rule.get("columns") or ["*"])
            where = rule.get("where", "false").format(**values)
            con.execute(
                f'create table marts."{name}" as select {columns} from src.marts."{name}" '
                f"where {where}"
            )
        # The publish metadata (run label, the events' as-of instant) is the district's.
        con.execute("create table marts._published as select * from src.marts._published")
        con.execute("detach src")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        raise
    con.close()
    fd = os.open(building, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(building, target)


def _scope_values(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, str]:
    """The code lists a ``where`` template may use, as SQL lists of literals."""
    if scope.column == "street_code":
        streets = [scope.code]
        communities = _codes(
            con, "select community_code from src.marts.dim_community where street_code = ?",
            scope.code,
        )  # fmt: skip
    else:
        communities = [scope.code]
        streets = _codes(
            con, "select street_code from src.marts.dim_community where community_code = ?",
            scope.code,
        )  # fmt: skip
    grids = _codes(
        con,
        f"select grid_code from src.marts.dim_grid where community_code in {_list(communities)}",
    )
    units = grids + communities + (streets if scope.column == "street_code" else [])
    return {
        "streets": _list(streets),
        "communities": _list(communities),
        "grids": _list(grids),
        "units": _list(units),
    }


def _codes(con: duckdb.DuckDBPyConnection, sql: str, *params: str) -> list[str]:
    return sorted({row[0] for row in con.execute(sql, list(params)).fetchall() if row[0]})


def _list(codes: list[str]) -> str:
    for code in codes:
        if not code.isdigit():
            raise ValueError(f"area codes are digits only, got {code!r}")
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")" if codes else "(NULL)"


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
