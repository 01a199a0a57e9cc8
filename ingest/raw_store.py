"""The raw store: Parquet per batch, the audit tables and the `raw.<kind>` views.

The one owner of ``audit.batches``, ``audit.quarantine`` and ``audit.tested_batches``
(the batches a successful ``dbt build`` has run the staging data tests on): it creates them,
writes them (``commit``) and answers every question asked of them (the typed
queries at the end), so the rule for a *live* batch (``LIVE``, ``live_sql``) is
written here only. ``connect`` is the project's one way to open the warehouse
file from Python: it applies the settings' DuckDB threads and memory limit.

The warehouse file is opened only for short moments (read the audit state,
commit one batch) because DuckDB allows one writer and others wait on it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.contract import (
    FINGERPRINT,
    FINGERPRINT_TYPES,
    KEY_FINGERPRINT,
    LINEAGE,
    FileKind,
    fingerprints,
    raw_dtype,
    raw_sql_types,
)
from ingest.errors import WarehouseLockedError
from zhiwang.settings import Settings

# A live batch is the current version of a delivered file: loaded, or rejected as a
# whole. Superseded versions, identical re-deliveries and refused paths are not.
LIVE = ("loaded", "rejected")


def live_sql(column: str = "status") -> str:
    """The live-batch rule as a SQL predicate on ``audit.batches``' status column."""
    return f"{column} in ({', '.join(repr(s) for s in LIVE)})"


DDL = """
create schema if not exists audit;
create schema if not exists raw;
create table if not exists audit.batches (
    batch_id varchar primary key, feed varchar, kind varchar, delivery_date date,
    file varchar, file_path varchar, file_sha256 varchar, file_bytes bigint,
    received bigint, loaded bigint, quarantined bigint, status varchar, message varchar,
    superseded_by varchar, started_at timestamp, finished_at timestamp
);
create table if not exists audit.quarantine (
    batch_id varchar, feed varchar, kind varchar, delivery_date date, file varchar,
    row_number bigint, reason_code varchar, column_name varchar, detail varchar,
    original_text varchar
);
create table if not exists audit.tested_batches (
    batch_id varchar primary key, tested_at timestamp
);
"""
QUARANTINE_SCHEMA = {
    "batch_id": pl.String,
    "feed": pl.String,
    "kind": pl.String,
    "delivery_date": pl.Date,
    "file": pl.String,
    "row_number": pl.Int64,
    "reason_code": pl.String,
    "column_name": pl.String,
    "detail": pl.String,
    "original_text": pl.String,
}


@dataclass
class Batch:
    """One row of audit.batches."""

    batch_id: str
    feed: str
    kind: str | None
    delivery_date: date
    file: str
    file_path: str
    file_sha256: str
    file_bytes: int
    received: int
    loaded: int
    quarantined: int
    status: str
    message: str
    started_at: datetime
    finished_at: datetime | None = None
    superseded_by: str | None = None
    replaced: list[str] = field(default_factory=list)  # live batches this one superseded


@contextlib.contextmanager
def connect(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse with the settings' DuckDB threads and memory limit.

    A lock conflict (another process writes) becomes an actionable error.
    """
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": settings.duckdb_threads,
        "memory_limit": settings.duckdb_memory_limit,
        "block_allocator_memory": settings.duckdb_block_allocator_memory,
    }
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=read_only, config=config)
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise WarehouseLockedError(
                f"the warehouse {settings.warehouse} is in use by another process "
                "(DuckDB allows one writer); wait for it to finish, then run the ingest again"
            ) from None
        raise
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def parquet_path(settings: Settings, kind: str, batch_id: str) -> Path:
    return (settings.raw / kind / f"{batch_id}.parquet").resolve()


def remove_orphans(settings: Settings, committed: set[str]) -> list[Path]:
    """Delete Parquet files no committed batch owns (a load that died before commit)."""
    removed: list[Path] = []
    if not settings.raw.exists():
        return removed
    for path in settings.raw.glob("*/*.parquet*"):
        if path.name.startswith(".tmp-") or path.stem not in committed:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


class BatchWriter:
    """Writes accepted chunks as row groups of one temp Parquet file; ``publish``
    renames it into place. One pass: no part files merged (read and written again)
    at the end, which cost as much as writing the parts."""

    def __init__(self, settings: Settings, fk: FileKind, batch_id: str, lineage: dict) -> None:
        self.final = parquet_path(settings, fk.kind, batch_id)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.temp = self.final.with_name(f".tmp-{batch_id}.parquet")
        self.lineage = lineage
        self.schema = {c.name: raw_dtype(c) for c in fk.columns} | LINEAGE
        # the row fingerprints, computed from the typed data columns (contract.py)
        self._fingerprints = fingerprints(fk) if fk.fingerprint else []
        for name in (FINGERPRINT, KEY_FINGERPRINT) if fk.fingerprint else ():
            self.schema[name] = FINGERPRINT_TYPES[0]
        # Dictionary encoding only where values repeat (lineage constants, enums): for
        # identifiers and free text it is built and then abandoned, at a CPU cost.
        self._dictionary = [
            name
            for name, dtype in self.schema.items()
            if dtype == pl.String()
            and (name in LINEAGE or any(c.name == name and c.type == "enum" for c in fk.columns))
        ]
        # The text lineage constants (feed, file, hash, batch) go to the writer as
        # dictionary arrays of one value: written as dictionary pages without hashing
        # every row's copy of the value. Min/max statistics are kept for the lineage
        # and the typed columns (dates, numbers), not for the delivered text (codes,
        # identifiers, names): unsorted within a file, no filter prunes row groups by
        # it. Both together cut the writer's CPU by a third (4.3 -> 2.8 s for a
        # 14M-row contribution file).
        self._constants = {
            k: pa.DictionaryArray.from_arrays(pa.array([0], pa.int32()), pa.array([v]))
            for k, v in lineage.items()
            if LINEAGE[k] == pl.String()
        }
        # the fingerprints are random integers: min/max prune nothing
        self._statistics = [
            name
            for name, dtype in self.schema.items()
            if (dtype != pl.String() or name in LINEAGE)
            and name not in (FINGERPRINT, KEY_FINGERPRINT)
        ]
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        # Row groups are encoded on a background thread (pyarrow releases the GIL),
        # overlapping with the transform of the next chunk; at most one is in flight,
        # so memory stays bounded.
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future[None] | None = None

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write_table(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self.temp,
                table.schema,
                compression="zstd",
                compression_level=1,
                use_dictionary=self._dictionary,
                write_statistics=self._statistics,
                # Readers take the types from the Parquet schema (DuckDB, Spark); the
                # stored Arrow schema would name the lineage columns dictionaries.
                store_schema=False,
            )
        self._writer.write_table(table)

    def write(self, accepted: pl.DataFrame) -> None:
        n = accepted.height
        frame = accepted.with_columns(
            [
                pl.lit(v, LINEAGE[k]).alias(k)
                for k, v in self.lineage.items()
                if k not in self._constants
            ]
        ).select(
            [
                pl.col(k).cast(t)
                for k, t in self.schema.items()
                if k not in self._constants and k not in (FINGERPRINT, KEY_FINGERPRINT)
            ]
        )
        if self._fingerprints:
            frame = frame.with_columns(self._fingerprints)
        # Oldest compat level: large_string / large_list, as polars' own writer stores.
        table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        zeros = pa.array(np.zeros(n, dtype=np.int32))
        columns = {
            k: pa.DictionaryArray.from_arrays(zeros, c.dictionary)
            for k, c in self._constants.items()
        }
        table = pa.table(
            [columns[k] if k in columns else table.column(k) for k in self.schema],
            names=list(self.schema),
        )
        self._wait()
        self.rows += n
        self._pending = self._pool.submit(self._write_table, table)

    def publish(self) -> Path:
        if self._writer is None and self._pending is None:
            self.write(pl.DataFrame(schema=self.schema))
        self._wait()
        self._pool.shutdown()
        assert self._writer is not None
        self._writer.close()
        os.replace(self.temp, self.final)
        return self.final

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the load is failing anyway; clean up
            self._wait()
        self._pool.shutdown()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        self.temp.unlink(missing_ok=True)


def _view_sql(settings: Settings, fk: FileKind, batch_ids: list[str]) -> str:
    if not batch_ids:
        cols = raw_sql_types(fk)
        typed = ", ".join(f"cast(null as {t}) as {name}" for name, t in cols.items())
        return f"create or replace view raw.{fk.kind} as select {typed} where false"
    paths = [parquet_path(settings, fk.kind, b) for b in batch_ids]
    files = ", ".join(f"'{p.as_posix()}'" for p in paths)
    return (
        f"create or replace view raw.{fk.kind} as "
        f"select *{_fingerprints_of_older_files(fk, paths)} "
        f"from read_parquet([{files}], union_by_name = true)"
    )


def _fingerprints_of_older_files(fk: FileKind, paths: list[Path]) -> str:
    """What a raw view adds when some of its files were written before the kind asked
    for fingerprints: their rows read _row_hash as NULL (a model compares them as
    changed rows) and _key_hash as DuckDB's hash of the key, which the duplicate rule
    compares within a file only. Nothing when every file has them."""
    if not fk.fingerprint:
        return ""
    have = [FINGERPRINT in pq.read_schema(p).names for p in paths]
    if all(have):
        return ""
    # DuckDB's hash is unsigned 64-bit; halved, it fits the stored BIGINT
    key = f"cast(hash({', '.join(fk.key)}) >> 1 as {FINGERPRINT_TYPES[1]})"
    if not any(have):
        return (
            f", cast(null as {FINGERPRINT_TYPES[1]}) as {FINGERPRINT}, {key} as {KEY_FINGERPRINT}"
        )
    return f" replace (coalesce({KEY_FINGERPRINT}, {key}) as {KEY_FINGERPRINT})"


def _loaded_batch_ids(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    """The batches behind a kind's raw view, oldest first."""
    return [
        r[0]
        for r in con.execute(
            "select batch_id from audit.batches where kind = ? and status = 'loaded' "
            "order by delivery_date, started_at",
            [kind],
        ).fetchall()
    ]


def ensure_views(con: duckdb.DuckDBPyConnection, settings: Settings, kinds: list[FileKind]) -> None:
    """Typed empty views for kinds nothing was loaded for yet, so dbt sources resolve;
    and a view made before its contract gained a column (a kind that now asks for row
    fingerprints) made again, so the column is there for dbt."""
    have: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
    ).fetchall():
        have.setdefault(table, set()).add(column)
    for fk in kinds:
        if fk.kind not in have:
            con.execute(_view_sql(settings, fk, []))
        elif set(raw_sql_types(fk)) - have[fk.kind]:
            con.execute(_view_sql(settings, fk, _loaded_batch_ids(con, fk.kind)))


def commit(
    settings: Settings,
    batch: Batch,
    quarantine: pl.DataFrame,
    fk: FileKind | None,
) -> Batch:
    """In one transaction: the audit row, quarantine rows, supersession, the view."""
    with connect(settings) as con:
        con.execute("begin transaction")
        try:
            live = (
                []
                # A file of no kind (unknown name, refused link) never replaces one.
                if batch.status not in LIVE or batch.kind is None
                else con.execute(
                    "select batch_id, delivery_date from audit.batches "
                    f"where feed = ? and file = ? and {live_sql()}",
                    [batch.feed, batch.file],
                ).fetchall()
            )
            batch.replaced = [
                f"{batch.feed}/{d}/{batch.file}" for _, d in live if d <= batch.delivery_date
            ]
            newer = [b for b, d in live if d > batch.delivery_date]
            if newer:
                # A late copy of an older delivery never replaces what came after it.
                batch.status, batch.superseded_by = "superseded", newer[0]
            elif live:
                con.execute(
                    "update audit.batches set status = 'superseded', superseded_by = ? "
                    "where batch_id in (select unnest(?))",
                    [batch.batch_id, [b for b, _ in live]],
                )
            con.execute(
                "insert into audit.batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    batch.batch_id,
                    batch.feed,
                    batch.kind,
                    batch.delivery_date,
                    batch.file,
                    batch.file_path,
                    batch.file_sha256,
                    batch.file_bytes,
                    batch.received,
                    batch.loaded,
                    batch.quarantined,
                    batch.status,
                    batch.message,
                    batch.superseded_by,
                    batch.started_at,
                    batch.finished_at,
                ],
            )
            if quarantine.height:
                arrow = quarantine.select(list(QUARANTINE_SCHEMA)).to_arrow()
                con.register("_quarantine", arrow)
                con.execute("insert into audit.quarantine select * from _quarantine")
                con.unregister("_quarantine")
            if fk is not None:
                con.execute(_view_sql(settings, fk, _loaded_batch_ids(con, fk.kind)))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return batch


def quarantine_frame(batch: Batch, bad: pl.DataFrame) -> pl.DataFrame:
    """Reader/transform quarantine rows → audit.quarantine rows of this batch."""
    return bad.select(
        pl.lit(batch.batch_id).alias("batch_id"),
        pl.lit(batch.feed).alias("feed"),
        pl.lit(batch.kind, pl.String).alias("kind"),
        pl.lit(batch.delivery_date).alias("delivery_date"),
        pl.lit(batch.file).alias("file"),
        pl.col("_row_number").alias("row_number"),
        "reason_code",
        "column_name",
        "detail",
        pl.col("_original").alias("original_text"),
    ).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]


# --- typed queries: every reader of the audit tables asks through these ----------


class KnownBatch(NamedTuple):
    """What the ingest needs to know of a batch to skip work already done."""

    feed: str
    file: str
    delivery_date: date
    file_sha256: str
    status: str
    batch_id: str


@dataclass
class FileStatus:
    """Row accounting of one delivered file.

    ``status`` is ``loaded`` or ``rejected`` for the live version of a file, ``refused``
    for a path the ingest would not read (a symbolic link, outside the landing folder,
    over the size cap; 0 rows), ``superseded``
    for an earlier version replaced by a corrected re-delivery (its counts are what it
    loaded before it was replaced), and ``duplicate`` for a byte-identical re-delivery:
    its rows are the rows of the identical version named in ``duplicate_of``, so its
    counts are that version's. ``received = loaded + quarantined`` holds for every row.
    """

    feed: str
    delivery_date: date
    file: str
    received: int
    loaded: int
    quarantined: int
    status: str
    batch_id: str
    message: str
    duplicate_of: str | None = None


class DeliveryCounts(NamedTuple):
    """One delivery date of a file kind: what arrived (live and superseded versions)."""

    delivery_date: date
    received: int
    loaded: int
    quarantined: int
    loaded_batches: int  # batches still live with rows; 0: all superseded later


def _audit_table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def has_audit(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anything was ever ingested into this warehouse (``audit.batches`` exists)."""
    return _audit_table_exists(con, "batches")


def live_batch_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The live batches now (their rows are what the staging models read)."""
    if not has_audit(con):
        return []
    rows = con.execute(f"select batch_id from audit.batches where {live_sql()}").fetchall()
    return [r[0] for r in rows]


def has_tested_batches(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``audit.tested_batches`` exists (created with the audit tables)."""
    return _audit_table_exists(con, "tested_batches")


def record_tested_batches(
    con: duckdb.DuckDBPyConnection, batch_ids: list[str], tested_at: datetime
) -> int:
    """Record that a successful build tested these batches' rows; returns how many were
    new. dbt's staging tests then skip them (dbt_project/macros/test_scope.sql).
    ``tested_at`` is when the build finished: the written-rows scope of the same macro
    file skips the rows models wrote before the newest ``tested_at``."""
    ensure_schema(con)
    before = con.execute("select count(*) from audit.tested_batches").fetchone()
    con.execute(
        "insert into audit.tested_batches "
        "select unnest($ids), $at on conflict (batch_id) do nothing",
        {"ids": batch_ids, "at": tested_at},
    )
    after = con.execute("select count(*) from audit.tested_batches").fetchone()
    return int(after[0] if after else 0) - int(before[0] if before else 0)


def known_batches(con: duckdb.DuckDBPyConnection) -> list[KnownBatch]:
    """Every batch ever recorded, in no particular order."""
    rows = con.execute(
        "select feed, file, delivery_date, file_sha256, status, batch_id from audit.batches"
    ).fetchall()
    return [KnownBatch(*r) for r in rows]


def file_statuses(settings: Settings) -> list[FileStatus]:
    """One row per delivered file (every version, see ``FileStatus``)."""
    if not settings.warehouse.exists():
        return []
    with connect(settings, read_only=True) as con:
        if not has_audit(con):
            return []
        rows = con.execute(
            """
            with counted as (
                select * from audit.batches where status <> 'duplicate'
            ), first_of as (
                select feed, file, file_sha256, arg_min(batch_id, started_at) as batch_id
                from counted group by all
            )
            select d.feed, d.delivery_date, d.file,
                   coalesce(c.received, d.received), coalesce(c.loaded, d.loaded),
                   coalesce(c.quarantined, d.quarantined), d.status, d.batch_id,
                   coalesce(d.message, ''),
                   case when d.status = 'duplicate'
                        then c.delivery_date::varchar || '/' || c.file end
            from audit.batches d
            left join first_of f
              on d.status = 'duplicate' and f.feed = d.feed and f.file = d.file
             and f.file_sha256 = d.file_sha256
            left join counted c on c.batch_id = f.batch_id
            order by d.feed, d.delivery_date, d.file, d.started_at
            """
        ).fetchall()
    return [FileStatus(*r) for r in rows]


def statuses_by_date(settings: Settings, feed: str) -> dict[date, set[str]]:
    """Per delivery date of a feed, the statuses of its files' batches."""
    seen: dict[date, set[str]] = {}
    for file in file_statuses(settings):
        if file.feed == feed:
            seen.setdefault(file.delivery_date, set()).add(file.status)
    return seen


def loaded_dates(con: duckdb.DuckDBPyConnection, feed: str) -> list[date]:
    """Delivery dates of a feed with a live loaded batch, oldest first."""
    rows = con.execute(
        "select distinct delivery_date from audit.batches where feed = ? and status = 'loaded' "
        "order by 1",
        [feed],
    ).fetchall()
    return [r[0] for r in rows]


def rejected_files(con: duckdb.DuckDBPyConnection, feed: str) -> dict[date, list[tuple[str, str]]]:
    """Per delivery date, the feed's files rejected as a whole: (file, message)."""
    rows = con.execute(
        "select delivery_date, file, coalesce(message, '') from audit.batches "
        "where feed = ? and status = 'rejected'",
        [feed],
    ).fetchall()
    out: dict[date, list[tuple[str, str]]] = {}
    for day, file, message in rows:
        out.setdefault(day, []).append((file, message))
    return out


def delivery_totals(
    con: duckdb.DuckDBPyConnection, feed: str, delivery_date: date
) -> tuple[int, int, int]:
    """Received, loaded and quarantined rows of a feed's delivery, over its live batches."""
    row = con.execute(
        f"""
        select coalesce(sum(received), 0), coalesce(sum(loaded), 0),
               coalesce(sum(quarantined), 0)
        from audit.batches
        where feed = ? and delivery_date = ? and {live_sql()}
        """,
        [feed, delivery_date],
    ).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


def kind_delivery_counts(
    con: duckdb.DuckDBPyConnection, feed: str, kind: str
) -> list[DeliveryCounts]:
    """Per delivery date of a file kind, oldest first: live and superseded batches both
    describe what arrived that day."""
    rows = con.execute(
        """
        select delivery_date,
               sum(received)::bigint, sum(loaded)::bigint, sum(quarantined)::bigint,
               count(*) filter (where status = 'loaded')
        from audit.batches
        where feed = ? and kind = ? and status in ('loaded', 'superseded')
        group by delivery_date
        order by delivery_date
        """,
        [feed, kind],
    ).fetchall()
    return [
        DeliveryCounts(d, int(r or 0), int(lo or 0), int(q or 0), int(n)) for d, r, lo, q, n in rows
    ]
