"""The serving copy Superset reads: the marts, copied out and swapped in atomically.

A DuckDB writer locks the whole file, readers included, so dashboards must
never read the warehouse or a half-built copy. The copy is built beside the
serving path under a temporary name and renamed over it (``os.replace`` is
atomic on POSIX): a reader opens either the previous complete copy or the new
one; one that already has the old file open keeps reading that inode.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.disclosure import protect_serving, read_rules
from orchestration.locking import warehouse_lock
from orchestration.scoped_serving import publish_scopes
from zhiwang.settings import Settings

log = logging.getLogger(__name__)

# Only these schemas leave the warehouse: the marts carry pseudonyms, never the
# plain personal data that raw and staging hold, nor `internal` (exact
# quasi-identifiers of persons, docs/PRIVACY.md). Counts of persons are
# protected on the way out (orchestration/disclosure.py), and no column named
# with a leading "_" (build bookkeeping such as _written_at) is copied.
SERVED_SCHEMAS = ("marts",)
BUILDING_SUFFIX = ".building"


def publish_serving(settings: Settings, run_label: str = "") -> dict[str, object]:
    """Copy the served schemas into a fresh file and swap it in; return table row counts."""
    target = settings.serving
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(target)
    building = target.with_name(f"{target.name}{BUILDING_SUFFIX}-{os.getpid()}")
    with warehouse_lock(settings.warehouse):
        counts = _copy_marts(settings.warehouse, building, run_label, settings.disclosure_threshold)
    if not counts:
        building.unlink(missing_ok=True)
        raise RuntimeError(f"no tables in schemas {SERVED_SCHEMAS} of {settings.warehouse}")
    _fsync(building)
    # Per street/community scope, a file with only its rows (docs/SECURITY.md, layer 2),
    # built from the complete new copy before it is swapped in.
    scopes = publish_scopes(building, target)
    os.replace(building, target)
    _fsync(target.parent)
    log.info("published %d tables to %s (+ %d scoped copies)", len(counts), target, len(scopes))
    return {"serving": str(target), "tables": counts, "scopes": scopes}


def _copy_marts(warehouse: Path, building: Path, run_label: str, threshold: int) -> dict[str, int]:
    building.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        con.execute(f"attach '{_sql_str(warehouse)}' as wh (read_only)")
        schemas = ", ".join(_literal(s) for s in SERVED_SCHEMAS)
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_catalog = 'wh' and table_schema in ({schemas}) "
            "and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        # The serving models (dbt_project/models/marts/serving) are views over the
        # marts that name them without the warehouse's catalog (macros/serving.sql).
        views = con.execute(
            "select schema_name, view_name, sql from duckdb_views() "
            f"where database_name = 'wh' and schema_name in ({schemas}) and not internal "
            "order by 1, 2"
        ).fetchall()
        counts: dict[str, int] = {}
        for schema in sorted({"marts", *(schema for schema, _ in relations)}):
            con.execute(f'create schema if not exists "{schema}"')
        for schema, name in relations:
            columns = _published_columns(con, schema, name)
            con.execute(
                f'create table "{schema}"."{name}" as select {columns} from wh."{schema}"."{name}"'
            )
            counts[f"{schema}.{name}"] = _rows(con, schema, name)
        # small counts of persons withheld in the copy, never in the warehouse
        rules = read_rules(con, catalog="wh")
        con.execute("detach wh")
        protect_serving(con, rules, "marts", threshold)
        # ... and the views evaluated on the protected copy, so they show exactly
        # its cells; as tables: the serving file must not depend on the warehouse.
        counts.update(_materialize_views(con, views))
        con.execute(
            "create table marts._published as select ? as run_label, ? as published_at, "
            "? as tables, cast(? as timestamp) as events_as_of_at",
            [run_label, datetime.now(UTC).replace(tzinfo=None), len(counts), _events_as_of(con)],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def _materialize_views(
    con: duckdb.DuckDBPyConnection, views: list[tuple[str, str, str]]
) -> dict[str, int]:
    """Create each view of the warehouse in the copy (a view may read another:
    created once what it reads exists), then replace each by a table of its rows."""
    pending = list(views)
    while pending:
        failed: list[tuple[str, str, str]] = []
        errors: list[str] = []
        for view in pending:
            try:
                con.execute(view[2])
            except duckdb.CatalogException as err:
                failed.append(view)
                errors.append(f"{view[0]}.{view[1]}: {err}")
        if len(failed) == len(pending):
            raise RuntimeError(
                "serving views that read relations the serving copy does not hold (a view in "
                "the served schemas may read only their tables and views): " + "; ".join(errors)
            )
        pending = failed
    counts = {}
    for schema, name, _ in views:
        con.execute(
            f'create table "{schema}"."{name}__served" as select * from "{schema}"."{name}"'
        )
    for schema, name, _ in views:
        con.execute(f'drop view "{schema}"."{name}"')
    for schema, name, _ in views:
        con.execute(f'alter table "{schema}"."{name}__served" rename to "{name}"')
        counts[f"{schema}.{name}"] = _rows(con, schema, name)
    return counts


def is_published_column(name: str) -> bool:
    """Whether publish copies a column: every column but the build's bookkeeping,
    whose name starts with ``_`` (see ``_published_columns``)."""
    return not name.startswith("_")


def _published_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str:
    """The select list of a served table: every column but the build's bookkeeping.

    A column whose name starts with ``_`` (``_written_at`` on dim_person_public: when
    the build that last rewrote the person's row started) says when a record changed,
    not what the data are; it stays in the warehouse for the incremental builds."""
    names = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'wh' "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]
    kept = [column for column in names if is_published_column(column)]
    if not kept:
        raise RuntimeError(f"{schema}.{name} has no column to publish (only bookkeeping: {names})")
    return ", ".join('"' + column.replace('"', '""') + '"' for column in kept)


def _rows(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    row = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
    assert row is not None  # an aggregate returns one row
    return int(row[0])


def _events_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The events' "now" (newest milestone), as ``rpt_event_performance`` defines it.

    Published so that a scope's serving copy, which holds only its own events,
    judges "overdue" against the same instant as the district's.
    """
    found = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'fct_event' and column_name = 'closed_at'"
    ).fetchone()[0]
    if not found:
        return None
    return con.execute(
        "select max(greatest(reported_at, coalesce(dispatched_at, reported_at), "
        "coalesce(handled_at, reported_at), coalesce(closed_at, reported_at))) "
        "from marts.fct_event"
    ).fetchone()[0]


def _remove_stale_builds(target: Path) -> None:
    # A build killed half-way leaves its temporary file; nobody reads those.
    for stale in target.parent.glob(f"{target.name}{BUILDING_SUFFIX}-*"):
        stale.unlink(missing_ok=True)
        stale.with_name(stale.name + ".wal").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
