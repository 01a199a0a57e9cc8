"""What every feed writer shares: the delivery context and the file-format writers."""

from __future__ import annotations

import io
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from generator.dirt import STRAY_QUOTE_SENTINEL, TRUNCATE_SENTINEL, DirtRates, FilePlan
from generator.manifest import Manifest
from generator.world import World

ProgressFn = Callable[[str, int, int], None]

# Workbook metadata is pinned so the same seed gives the same bytes.
_XLSX_CREATED = datetime(2026, 1, 1)


@dataclass
class FeedContext:
    """One generation run: the world, the dates, the dirt and where things go."""

    world: World
    landing: Path
    start: date
    days: int
    seed: int
    rates: DirtRates
    manifest: Manifest
    progress: ProgressFn | None = None
    files: list[dict[str, object]] = field(default_factory=list)

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @property
    def end(self) -> date:
        """The day after the last delivery date."""
        return self.start + timedelta(days=self.days)

    def rng(self, *tags: object) -> np.random.Generator:
        """An independent, order-insensitive random stream per (feed, purpose, day)."""
        words = [zlib.crc32(str(t).encode()) for t in tags]
        return np.random.default_rng([self.seed, *words])

    def folder(self, feed: str, day: date) -> Path:
        path = self.landing / feed / day.isoformat()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def record(self, feed: str, kind: str, day: date, name: str, rows: int) -> None:
        self.files.append(
            {
                "feed": feed,
                "file_kind": kind,
                "delivery_date": day.isoformat(),
                "file": name,
                "rows": rows,
            }
        )

    # -- writing one file ------------------------------------------------------

    def deliver(
        self,
        plan: FilePlan,
        *,
        feed: str,
        kind: str,
        day: date,
        name: str,
        fmt: str,
        encoding: str = "utf-8",
        sheet: str | None = None,
        shuffle: bool = False,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Lay the plan out, write it, record its defects; return rows as written and defects."""
        rows, defects = plan.finalize(shuffle=shuffle)
        path = self.folder(feed, day) / name
        mixed = plan.mixed_eol and fmt == "csv" and not self.rates.clean
        write_any(rows, path, fmt=fmt, encoding=encoding, sheet=sheet, mixed_eol=mixed)
        self.manifest.add_file_rows(
            defects, feed=feed, file_kind=kind, delivery_date=day, file=name
        )
        self.manifest.add_variants(
            plan.variants(), feed=feed, file_kind=kind, delivery_date=day, file=name
        )
        if mixed:
            self.manifest.add(
                "mixed_line_endings",
                "file",
                feed,
                file_kind=kind,
                delivery_date=day,
                file=name,
                detail="every other line ends in CRLF, the rest in LF: all rows must load",
            )
        self.record(feed, kind, day, name, rows.height)
        return rows, defects

    def deliver_chunked(
        self,
        rows: pl.DataFrame | Callable[[int, int], pl.DataFrame],
        plan_for: Callable[[pl.DataFrame, np.random.Generator], FilePlan],
        rng: np.random.Generator,
        *,
        feed: str,
        kind: str,
        day: date,
        name: str,
        fmt: str,
        encoding: str = "utf-8",
        total: int | None = None,
    ) -> int:
        """Write a big file ``CHUNK_ROWS`` source rows at a time; return rows written.

        ``rows`` is the file's rows, or a function ``(start, stop)`` building
        rows ``start:stop`` of ``total`` (so the whole file never sits in memory).
        ``plan_for(chunk, rng)`` plants one chunk's defects. The first chunk uses
        ``rng`` (so a file of one chunk is what :meth:`deliver` would write), each
        later chunk its own stream: same seed, same bytes, at bounded memory.
        Copies planted as duplicates stay inside their chunk, after the original.
        """
        path = self.folder(feed, day) / name
        sink = ChunkSink(path, fmt=fmt, encoding=encoding)
        written = 0
        try:
            if isinstance(rows, pl.DataFrame):
                frame = rows
                total = frame.height

                def rows(start: int, stop: int) -> pl.DataFrame:
                    return frame.slice(start, stop - start)

            elif total is None:
                raise ValueError("total is required when rows is a function")
            for k, start in enumerate(range(0, max(total, 1), CHUNK_ROWS)):
                chunk_rng = rng if k == 0 else self.rng(feed, kind, day, "chunk", k)
                plan = plan_for(rows(start, min(start + CHUNK_ROWS, total)), chunk_rng)
                out, defects = plan.finalize()
                sink.write(out)
                self.manifest.add_file_rows(
                    defects.with_columns(pl.col("row_number") + written),
                    feed=feed,
                    file_kind=kind,
                    delivery_date=day,
                    file=name,
                )
                self.manifest.add_variants(
                    plan.variants(), feed=feed, file_kind=kind, delivery_date=day, file=name
                )
                written += out.height
        finally:
            sink.close()
        self.record(feed, kind, day, name, written)
        return written

    def copy_delivery(
        self, *, feed: str, kind: str, first: date, day: date, name: str, rows: int
    ) -> None:
        """Deliver the file of ``first`` again, byte for byte, in the folder of ``day``."""
        src = self.landing / feed / first.isoformat() / name
        shutil.copyfile(src, self.folder(feed, day) / name)
        self.manifest.add(
            "identical_redelivery",
            "file",
            feed,
            file_kind=kind,
            delivery_date=day,
            file=name,
            detail=f"same bytes as {first}",
        )
        self.record(feed, kind, day, name, rows)

    def redeliver(
        self,
        rows: pl.DataFrame,
        defects: pl.DataFrame,
        *,
        feed: str,
        kind: str,
        first: date,
        day: date,
        name: str,
        fmt: str,
        encoding: str = "utf-8",
        changed: int = 0,
    ) -> None:
        """Deliver a file again under the same name in a later folder.

        ``changed == 0``: an identical copy (same bytes; the ingest must treat it as
        nothing new). Otherwise a correction of ``changed`` rows; its row defects
        stay where they were and are recorded again for the new delivery.
        """
        if changed == 0:
            self.copy_delivery(
                feed=feed, kind=kind, first=first, day=day, name=name, rows=rows.height
            )
            return
        write_any(rows, self.folder(feed, day) / name, fmt=fmt, encoding=encoding)
        self.manifest.add_file_rows(
            defects, feed=feed, file_kind=kind, delivery_date=day, file=name
        )
        self.manifest.add(
            "corrected_redelivery",
            "file",
            feed,
            file_kind=kind,
            delivery_date=day,
            file=name,
            detail=f"corrects the {first} delivery: {changed} rows changed",
        )
        self.record(feed, kind, day, name, rows.height)


def write_any(
    rows: pl.DataFrame,
    path: Path,
    *,
    fmt: str,
    encoding: str = "utf-8",
    sheet: str | None = None,
    mixed_eol: bool = False,
) -> None:
    """Write rows (with a ``_trunc`` marker column for CSV truncation) in one format."""
    trunc = rows["_trunc"] if "_trunc" in rows.columns else None
    data = rows.drop("_trunc") if trunc is not None else rows
    if fmt == "csv":
        path.write_bytes(csv_bytes(data, encoding=encoding, truncated=trunc, mixed_eol=mixed_eol))
    elif fmt == "jsonl":
        write_jsonl(data, path)
    elif fmt == "parquet":
        data.write_parquet(path, compression="zstd", statistics=False)
    elif fmt == "xlsx":
        write_xlsx(data, path, sheet=sheet or "Sheet1")
    else:
        raise ValueError(f"unknown format {fmt!r}")


# Big files are planted and written this many source rows at a time (bounded memory).
CHUNK_ROWS = 250_000


class ChunkSink:
    """One delivered file written as a sequence of row chunks (CSV, JSON lines, Parquet)."""

    def __init__(self, path: Path, *, fmt: str, encoding: str = "utf-8") -> None:
        if fmt not in ("csv", "jsonl", "parquet"):
            raise ValueError(f"format {fmt!r} cannot be written in chunks")
        self.path, self.fmt, self.encoding = path, fmt, encoding
        self._fh = path.open("wb")
        self._parquet: pq.ParquetWriter | None = None
        self._first = True

    def write(self, rows: pl.DataFrame) -> None:
        trunc = rows["_trunc"] if "_trunc" in rows.columns else None
        data = rows.drop("_trunc") if trunc is not None else rows
        if self.fmt == "csv":
            self._fh.write(
                csv_bytes(
                    data,
                    encoding=self.encoding,
                    truncated=trunc,
                    header=self._first,
                    bom=self._first,
                )
            )
        elif self.fmt == "jsonl":
            data.write_ndjson(self._fh)
        else:
            # plain (large) strings, not string views: any Parquet reader can read them
            table = data.to_arrow(compat_level=pl.CompatLevel.oldest())
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(
                    self._fh, table.schema, compression="zstd", write_statistics=False
                )
            self._parquet.write_table(table)
        self._first = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self._fh.close()


def csv_bytes(
    rows: pl.DataFrame,
    *,
    encoding: str,
    truncated: pl.Series | None = None,
    header: bool = True,
    bom: bool = True,
    mixed_eol: bool = False,
) -> bytes:
    """CSV bytes; truncated records lose their last field; GBK/BOM per contract."""
    last = rows.columns[-1]
    if truncated is not None and truncated.any():
        rows = rows.with_columns(
            pl.when(truncated).then(pl.lit(TRUNCATE_SENTINEL)).otherwise(pl.col(last)).alias(last)
        )
    buf = io.BytesIO()
    rows.write_csv(
        buf, include_bom=False, include_header=header, null_value="", quote_style="necessary"
    )
    data = buf.getvalue()
    del buf
    if truncated is not None and truncated.any():
        data = data.replace(b"," + TRUNCATE_SENTINEL.encode(), b"")
    if STRAY_QUOTE_SENTINEL.encode() in data:
        data = data.replace(STRAY_QUOTE_SENTINEL.encode(), b'"')
    if mixed_eol:
        lines = data.split(b"\n")
        data = (
            b"".join(line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines[:-1]))
            + lines[-1]
        )
    if encoding in ("gbk", "gb18030"):
        data = data.decode("utf-8").encode(encoding)
    elif encoding == "utf-8-sig" and bom:
        data = b"\xef\xbb\xbf" + data
    return data


def write_csv(
    rows: pl.DataFrame, path: Path, *, encoding: str, truncated: pl.Series | None = None
) -> None:
    """CSV with header; truncated records lose their last field; GBK/BOM per contract."""
    path.write_bytes(csv_bytes(rows, encoding=encoding, truncated=truncated))


def write_jsonl(rows: pl.DataFrame, path: Path) -> None:
    buf = io.BytesIO()
    rows.write_ndjson(buf)
    path.write_bytes(buf.getvalue())


def write_xlsx(rows: pl.DataFrame, path: Path, *, sheet: str) -> None:
    """Every cell as a text cell, as the civil-affairs system exports it."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": _XLSX_CREATED})
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, rows.columns)
    # constant_memory flushes each row as soon as a later row is written: cells must be
    # written row by row (writing column by column silently kept only the first column).
    text = rows.select(pl.all().cast(pl.String).fill_null(""))
    for r, values in enumerate(text.iter_rows(), start=1):
        ws.write_row(r, 0, values)
    wb.close()


def write_success(ctx: FeedContext, feed: str, skip: set[date] | None = None) -> None:
    """``_SUCCESS`` last in every delivery folder of a feed, except the planted incomplete ones."""
    root = ctx.landing / feed
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if skip and date.fromisoformat(folder.name) in skip:
            continue
        (folder / "_SUCCESS").write_bytes(b"")


def member(values: pl.Series | np.ndarray, pool: object) -> np.ndarray:
    """Boolean mask: which ``values`` are in ``pool`` (a null is in nothing).

    A semi-join on the row index, not ``is_in``: 16 M IDs against 7 M took 1.2 s
    instead of 3.9 s on 2 cores (a semi-join keeps each row once, so the pool is
    not de-duplicated first); at city scale these tests were 17 % of the
    generator's samples (docs/PERFORMANCE.md). np.isin would sort objects.
    """
    series = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.String)
    items = pool if isinstance(pool, pl.Series) else pl.Series(list(pool), dtype=pl.String)
    mask = np.zeros(len(series), dtype=bool)
    if len(series) and len(items):
        found = (
            pl.DataFrame({"v": series})
            .with_row_index("i")
            .join(pl.DataFrame({"v": items.cast(series.dtype)}), on="v", how="semi")
        )
        mask[found["i"].to_numpy()] = True
    return mask


# A link planted among the deliveries, named like a register file, pointing at a
# system file: the ingest must refuse it unread (the issue that found /etc/passwd
# lines in audit.quarantine).
SYMLINK_TARGET = "/etc/passwd"


def plant_symlink(ctx: FeedContext, feed: str = "population", kind: str = "ga_rkxx") -> None:
    """One symbolic link in the first complete delivery folder of ``feed``."""
    for day in ctx.dates:
        folder = ctx.landing / feed / day.isoformat()
        if (folder / "_SUCCESS").exists():
            name = f"{kind}_{stamp(day - timedelta(days=1))}.csv"
            (folder / name).symlink_to(SYMLINK_TARGET)
            ctx.manifest.add(
                "symlink",
                "file",
                feed,
                file_kind=kind,
                delivery_date=day,
                file=name,
                detail=f"symbolic link to {SYMLINK_TARGET}: must be refused unread",
            )
            return


def clear_feed(landing: Path, feed: str) -> None:
    shutil.rmtree(landing / feed, ignore_errors=True)


def stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def random_times(
    rng: np.random.Generator, day: date, n: int, fmt: str = "%Y-%m-%d %H:%M:%S"
) -> pl.Series:
    """Times during ``day`` (mostly office hours), formatted."""
    return format_seconds(day, random_seconds(rng, n), fmt)


def random_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a day (mostly office hours): what :func:`random_times` formats."""
    return np.clip(rng.normal(14 * 3600, 3.5 * 3600, n), 0, 86399).astype(np.int64)


def format_seconds(day: date, secs: np.ndarray, fmt: str = "%Y-%m-%d %H:%M:%S") -> pl.Series:
    base = (datetime.combine(day, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()
    return epoch_series(base + secs).dt.strftime(fmt)


def epoch_series(seconds: np.ndarray) -> pl.Series:
    """Naive local datetimes from seconds since 1970-01-01 (NaN → null)."""
    s = pl.Series(np.asarray(seconds, dtype=np.float64)).fill_nan(None).round(0).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s")


def fmt_date(values: pl.Series | pl.Expr, fmt: str = "%Y%m%d") -> pl.Series | pl.Expr:
    return values.dt.strftime(fmt)
