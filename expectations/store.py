"""Quality history in the warehouse's ``dq`` schema.

``dq.runs`` one row per validation run, ``dq.results`` one per expectation
outcome, ``dq.deliveries`` one per (feed, delivery date, run) with the gate's
verdict: the Airflow DAGs read ``blocked`` from the newest row of a delivery.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from expectations.runner import ResultRow
from ingest.raw_store import connect
from zhiwang.settings import Settings

DDL = """
create schema if not exists dq;
create table if not exists dq.runs (
    run_id varchar primary key, target varchar, layer varchar, delivery_date date,
    started_at timestamp, finished_at timestamp, seconds double,
    expectations bigint, failed_fail bigint, failed_warn bigint, status varchar
);
create table if not exists dq.results (
    run_id varchar, suite varchar, expectation varchar, expectation_type varchar,
    column_name varchar, severity varchar, success boolean, observed_value varchar,
    unexpected_count bigint, unexpected_percent double, unexpected_sample varchar,
    exception varchar, feed varchar, delivery_date date, checked_at timestamp
);
create table if not exists dq.deliveries (
    feed varchar, delivery_date date, run_id varchar, status varchar, blocked boolean,
    expectations bigint, failed_fail bigint, failed_warn bigint,
    rows_received bigint, rows_loaded bigint, rows_quarantined bigint,
    checked_at timestamp
);
"""

RESULT_SCHEMA = {
    "run_id": pl.String,
    "suite": pl.String,
    "expectation": pl.String,
    "expectation_type": pl.String,
    "column_name": pl.String,
    "severity": pl.String,
    "success": pl.Boolean,
    "observed_value": pl.String,
    "unexpected_count": pl.Int64,
    "unexpected_percent": pl.Float64,
    "unexpected_sample": pl.String,
    "exception": pl.String,
    "feed": pl.String,
    "delivery_date": pl.Date,
}


@dataclass
class RunRecord:
    run_id: str
    target: str
    layer: str
    delivery_date: date | None
    started_at: datetime
    finished_at: datetime
    seconds: float
    expectations: int
    failed_fail: int
    failed_warn: int
    status: str


@dataclass
class DeliveryVerdict:
    feed: str
    delivery_date: date
    run_id: str
    status: str  # pass | warn | fail
    blocked: bool
    expectations: int
    failed_fail: int
    failed_warn: int
    rows_received: int
    rows_loaded: int
    rows_quarantined: int
    checked_at: datetime


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``dq`` schema and its tables if missing (idempotent, keeps history)."""
    con.execute(DDL)


def bootstrap(target: Settings | str | Path) -> None:
    """Give a warehouse its (empty) ``dq`` tables before anything was validated.

    dbt does not need it (the ``stg_dq__*`` models read a missing table as
    empty), but a pipeline that calls it before its first ``dbt build`` gets
    staging views over the real tables from the start.
    """
    settings = target if isinstance(target, Settings) else Settings(warehouse_path=Path(target))
    with connect(settings) as con:
        ensure_schema(con)


def save(
    con: duckdb.DuckDBPyConnection,
    run: RunRecord,
    rows: list[ResultRow],
    verdicts: list[DeliveryVerdict],
) -> None:
    """Persist one run in one transaction: all of it or nothing."""
    ensure_schema(con)
    results = pl.DataFrame([asdict(r) for r in rows], schema=RESULT_SCHEMA).with_columns(
        checked_at=pl.lit(run.finished_at)
    )
    deliveries = pl.DataFrame([asdict(v) for v in verdicts]) if verdicts else None
    con.execute("begin")
    try:
        con.execute(
            "insert into dq.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            list(asdict(run).values()),
        )
        con.register("_dq_results", results.to_arrow())
        con.execute("insert into dq.results by name select * from _dq_results")
        if deliveries is not None:
            con.register("_dq_deliveries", deliveries.to_arrow())
            con.execute("insert into dq.deliveries by name select * from _dq_deliveries")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for view in ("_dq_results", "_dq_deliveries"):
            with contextlib.suppress(Exception):
                con.unregister(view)


def latest_blocked(con: duckdb.DuckDBPyConnection, feed: str, delivery_date: date) -> bool | None:
    """The newest verdict on a delivery, None when it was never validated."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'dq'"
        ).fetchall()
    }
    if "deliveries" not in tables:
        return None
    row = con.execute(
        """
        select blocked from dq.deliveries
        where feed = ? and delivery_date = ?
        order by checked_at desc limit 1
        """,
        [feed, delivery_date],
    ).fetchone()
    return None if row is None else bool(row[0])
