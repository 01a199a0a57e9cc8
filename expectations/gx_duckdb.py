"""Great Expectations on a DuckDB file: the work-around that makes it answer.

GX's SQL execution engine runs each metric query with
``with engine.connect() as c: result = c.execute(q)`` and calls
``result.fetchall()`` *after* the ``with`` block. Leaving the block closes the
SQLAlchemy connection, which rolls back its auto-begun transaction. duckdb-engine
hands out the DuckDB connection itself as every DBAPI cursor, and DuckDB keeps
one pending result per connection, streamed lazily: the ROLLBACK replaces it, so
the later ``fetchall()`` returns ``[]`` and GX's ``res[0]`` raises ``IndexError``,
reported as ``MetricResolutionError: list index out of range`` for every
expectation. Drivers that buffer results client-side (psycopg2, sqlite3) never
notice. The fix: for the duckdb dialect, run every query on one connection
kept open for the engine's life (what GX already does for sqlite and mssql), so
no ROLLBACK lands between execute and fetch; callers' ``fetchmany`` limits
still apply and the whole validation reads one consistent snapshot. See
expectations/README.md for the reproduction.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

_PATCHED_FLAG = "_zhiwang_duckdb_persisted"
# Every DuckDB connection SQLAlchemy opens, so they can all be closed before this
# process writes the same file through its own connection: DuckDB refuses a
# second connection with another configuration while any is open.
_RECORDS: list[Any] = []
_ENGINES: weakref.WeakSet[Any] = weakref.WeakSet()


def _track(dbapi_connection: Any, connection_record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("duckdb_engine"):
        _RECORDS.append(connection_record)


def install_duckdb_fetch_fix() -> None:
    """Make GX's ``execute_query`` buffer DuckDB results (idempotent)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_mod
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    engine_cls = engine_mod.SqlAlchemyExecutionEngine
    if getattr(engine_cls, _PATCHED_FLAG, False):
        return
    event.listen(Pool, "connect", _track)
    original = engine_cls.execute_query

    def execute_query(self: Any, query: Any) -> Any:
        if self.dialect_name != "duckdb":
            return original(self, query)
        if self._connection is None:
            self._connection = self.engine.connect()
            _ENGINES.add(self)
        try:
            return self._execute_query_with_recovery(self._connection, query)
        except Exception:
            # one failed metric must not abort the shared transaction for the rest
            self._connection.rollback()
            raise

    engine_cls.execute_query = execute_query
    setattr(engine_cls, _PATCHED_FLAG, True)


def release_duckdb_connections() -> None:
    """Close every DuckDB connection GX opened; pools reconnect on next use."""
    for engine in list(_ENGINES):
        if engine._connection is not None:
            engine._connection.close()
            engine._connection = None
    for record in _RECORDS:
        if record.dbapi_connection is not None:
            record.invalidate()
    _RECORDS.clear()
    gc.collect()
