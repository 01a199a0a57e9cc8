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
import xlsxwriter

from generator.dirt import TRUNCATE_SENTINEL, DirtRates, FilePlan
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
        write_any(rows, path, fmt=fmt, encoding=encoding, sheet=sheet)
        self.manifest.add_file_rows(
            defects, feed=feed, file_kind=kind, delivery_date=day, file=name
        )
        self.record(feed, kind, day, name, rows.height)
        return rows, defects

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
        src = self.landing / feed / first.isoformat() / name
        dst = self.folder(feed, day) / name
        if changed == 0:
            shutil.copyfile(src, dst)
            self.manifest.add(
                "identical_redelivery",
                "file",
                feed,
                file_kind=kind,
                delivery_date=day,
                file=name,
                detail=f"same bytes as {first}",
            )
        else:
            write_any(rows, dst, fmt=fmt, encoding=encoding)
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
    rows: pl.DataFrame, path: Path, *, fmt: str, encoding: str = "utf-8", sheet: str | None = None
) -> None:
    """Write rows (with a ``_trunc`` marker column for CSV truncation) in one format."""
    trunc = rows["_trunc"] if "_trunc" in rows.columns else None
    data = rows.drop("_trunc") if trunc is not None else rows
    if fmt == "csv":
        write_csv(data, path, encoding=encoding, truncated=trunc)
    elif fmt == "jsonl":
        write_jsonl(data, path)
    elif fmt == "parquet":
        data.write_parquet(path, compression="zstd", statistics=False)
    elif fmt == "xlsx":
        write_xlsx(data, path, sheet=sheet or "Sheet1")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def write_csv(
    rows: pl.DataFrame, path: Path, *, encoding: str, truncated: pl.Series | None = None
) -> None:
    """CSV with header; truncated records lose their last field; GBK/BOM per contract."""
    last = rows.columns[-1]
    if truncated is not None and truncated.any():
        rows = rows.with_columns(
            pl.when(truncated).then(pl.lit(TRUNCATE_SENTINEL)).otherwise(pl.col(last)).alias(last)
        )
    buf = io.BytesIO()
    rows.write_csv(buf, include_bom=False, null_value="", quote_style="necessary")
    data = buf.getvalue()
    if truncated is not None and truncated.any():
        data = data.replace(b"," + TRUNCATE_SENTINEL.encode(), b"")
    if encoding == "gbk":
        data = data.decode("utf-8").encode("gbk")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


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
    """Boolean mask: which ``values`` are in ``pool`` (hash-based; np.isin sorts objects)."""
    series = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.String)
    items = pool if isinstance(pool, pl.Series) else pl.Series(list(pool), dtype=pl.String)
    return series.is_in(items.implode()).fill_null(False).to_numpy()


def clear_feed(landing: Path, feed: str) -> None:
    shutil.rmtree(landing / feed, ignore_errors=True)


def stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def random_times(
    rng: np.random.Generator, day: date, n: int, fmt: str = "%Y-%m-%d %H:%M:%S"
) -> pl.Series:
    """Times during ``day`` (mostly office hours), formatted."""
    secs = np.clip(rng.normal(14 * 3600, 3.5 * 3600, n), 0, 86399).astype(np.int64)
    base = (datetime.combine(day, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()
    return epoch_series(base + secs).dt.strftime(fmt)


def epoch_series(seconds: np.ndarray) -> pl.Series:
    """Naive local datetimes from seconds since 1970-01-01 (NaN → null)."""
    s = pl.Series(np.asarray(seconds, dtype=np.float64)).fill_nan(None).round(0).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s")


def fmt_date(values: pl.Series | pl.Expr, fmt: str = "%Y%m%d") -> pl.Series | pl.Expr:
    return values.dt.strftime(fmt)
