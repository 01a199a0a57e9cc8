"""The raw layer on disk and in DuckDB: Parquet per batch, audit tables, `raw.<kind>` views.

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

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.contract import FileKind
from ingest.errors import WarehouseLockedError
from ingest.transform import raw_dtype
from zhiwang.settings import Settings

LIVE = ("loaded", "rejected")
LINEAGE: dict[str, pl.DataType] = {
    "_feed": pl.String(),
    "_delivery_date": pl.Date(),
    "_file": pl.String(),
    "_file_sha256": pl.String(),
    "_row_number": pl.Int64(),
    "_batch_id": pl.String(),
    "_loaded_at": pl.Datetime("us"),
    "_flags": pl.String(),
}
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
    """Open the warehouse, turning a lock conflict into an actionable error."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    config = {"threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}
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
    removed = []
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
        # Dictionary encoding only where values repeat (lineage constants, enums): for
        # identifiers and free text it is built and then abandoned, at a CPU cost.
        self._dictionary = [
            name
            for name, dtype in self.schema.items()
            if dtype == pl.String()
            and (name in LINEAGE or any(c.name == name and c.type == "enum" for c in fk.columns))
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
            )
        self._writer.write_table(table)

    def write(self, accepted: pl.DataFrame) -> None:
        frame = accepted.with_columns(
            [pl.lit(v, LINEAGE[k]).alias(k) for k, v in self.lineage.items()]
        ).select([pl.col(k).cast(t) for k, t in self.schema.items()])
        # Oldest compat level: large_string / large_list, as polars' own writer stores.
        table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        self._wait()
        self.rows += frame.height
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
        cols = {c.name: raw_dtype(c) for c in fk.columns} | LINEAGE
        typed = ", ".join(f"cast(null as {_duck_type(t)}) as {name}" for name, t in cols.items())
        return f"create or replace view raw.{fk.kind} as select {typed} where false"
    files = ", ".join(f"'{parquet_path(settings, fk.kind, b).as_posix()}'" for b in batch_ids)
    return (
        f"create or replace view raw.{fk.kind} as "
        f"select * from read_parquet([{files}], union_by_name = true)"
    )


def _duck_type(dtype: pl.DataType) -> str:
    mapping = {
        pl.String(): "varchar",
        pl.Date(): "date",
        pl.Datetime("us"): "timestamp",
        pl.Int64(): "bigint",
        pl.Float64(): "double",
        pl.Boolean(): "boolean",
        pl.List(pl.String): "varchar[]",
    }
    return mapping[dtype]


def ensure_views(con: duckdb.DuckDBPyConnection, settings: Settings, kinds: list[FileKind]) -> None:
    """Typed empty views for kinds nothing was loaded for yet, so dbt sources resolve."""
    have = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    for fk in kinds:
        if fk.kind not in have:
            con.execute(_view_sql(settings, fk, []))


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
                    "where feed = ? and file = ? and status in ('loaded', 'rejected')",
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
                ids = [
                    r[0]
                    for r in con.execute(
                        "select batch_id from audit.batches where kind = ? and status = 'loaded' "
                        "order by delivery_date, started_at",
                        [fk.kind],
                    ).fetchall()
                ]
                con.execute(_view_sql(settings, fk, ids))
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
