"""Where the ingest's time goes: wall seconds by stage and file format.

    uv run --frozen python bench/profile_ingest.py --landing /path/to/landing [--date 2026-10-01]

Runs the real ingest (into a scratch var folder) with its stage functions
wrapped by timers, and prints one table: stage x format, with each stage's
share of the ingest's wall time. The ingest overlaps work on threads (the
reader decodes the next block while the main thread checks the current one;
column checks run on a pool; Parquet row groups are written in the
background), so the figures are the time the main thread spent in or waiting
for each stage: they add up to the wall time, and a stage that overlaps fully
with another costs nothing here.

Stages: ``hash`` waiting for the file's SHA-256 (computed a file ahead on a
thread); ``open`` header and dialect; ``read``
waiting for the next chunk (read, decode, split into fields, JSON/CSV
parsing); ``checks`` normalising and validating the columns;
``duplicates`` the row and key hashes against the file's earlier chunks;
``flags`` the per-row quality labels; ``write`` handing the accepted rows to
the Parquet writer (waiting for the previous row group); ``publish`` closing
and renaming the file; ``audit`` the batch row and the quarantine rows;
``other`` the rest (file listing, views, commits).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

# this folder would shadow the `ingest` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import ingest.api as api  # noqa: E402
import ingest.raw_store as raw_store  # noqa: E402
import ingest.transform as transform  # noqa: E402
from zhiwang.settings import Settings  # noqa: E402

STAGES = ("hash", "open", "read", "checks", "duplicates", "flags", "write", "publish", "audit")
seconds: dict[tuple[str, str], float] = defaultdict(float)
rows: dict[str, int] = defaultdict(int)
current = {"format": "?"}


def _timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[(stage, current["format"])] += time.perf_counter() - began

    return wrapper


def _timed_items(
    stage: str, items: Iterator[Any], count: Callable[[Any], int] | None = None
) -> Iterator[Any]:
    """The items, with the time spent waiting for each added to ``stage`` (and, with
    ``count``, each item's rows to the format's row count)."""
    while True:
        began = time.perf_counter()
        try:
            item = next(items)
        except StopIteration:
            return
        finally:
            seconds[(stage, current["format"])] += time.perf_counter() - began
        if count is not None:
            rows[current["format"]] += count(item)
        yield item


def _timed_iter(stage: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """Time spent waiting for each item of the iterator ``fn`` returns."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        return _timed_items(stage, fn(*args, **kwargs))

    return wrapper


def _instrument() -> None:
    open_file = api.open_file

    def opened(path: Path, fk: Any, *args: Any, **kwargs: Any) -> Any:
        current["format"] = f"{fk.format}/{fk.encoding}" if fk.format == "csv" else fk.format
        began = time.perf_counter()
        result = open_file(path, fk, *args, **kwargs)
        seconds[("open", current["format"])] += time.perf_counter() - began
        result.chunks = _timed_items(
            "read", iter(result.chunks), lambda chunk: chunk[0].height + chunk[1].height
        )
        return result

    api.open_file = opened
    api._sha256_ahead = _timed_iter("hash", api._sha256_ahead)
    api._finish = _timed("audit", api._finish)
    transform._duplicates = _timed("duplicates", transform._duplicates)
    transform._labels = _timed("flags", transform._labels)
    api.transform_chunk = _timed("checks", api.transform_chunk)
    raw_store.BatchWriter.write = _timed("write", raw_store.BatchWriter.write)  # type: ignore[method-assign]
    raw_store.BatchWriter.publish = _timed("publish", raw_store.BatchWriter.publish)  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landing", type=Path, required=True)
    ap.add_argument("--date", type=date.fromisoformat, default=None, help="one delivery date")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="zhiwang-profile-ingest-"))
    shutil.rmtree(work / "var", ignore_errors=True)
    settings = Settings(var_dir=work / "var", landing_dir=args.landing)
    _instrument()
    began = time.perf_counter()
    report = api.ingest(settings, delivery_date=args.date)
    wall = time.perf_counter() - began
    # checks = transform_chunk's time less the duplicates and flags it contains
    for fmt in {f for _, f in seconds}:
        seconds[("checks", fmt)] -= seconds[("duplicates", fmt)] + seconds[("flags", fmt)]
    formats = sorted({f for _, f in seconds if f != "?"})
    print(
        f"ingest of {report.received:,} rows in {wall:.1f} s "
        f"({report.received / wall:,.0f} rows/s) from {args.landing}"
    )
    print(f"{'stage':12s}" + "".join(f"{f:>14s}" for f in formats) + f"{'total':>10s}{'share':>8s}")
    accounted = 0.0
    for stage in STAGES:
        total = sum(seconds[(stage, f)] for f in formats) + seconds[(stage, "?")]
        accounted += total
        print(
            f"{stage:12s}"
            + "".join(f"{seconds[(stage, f)]:14.1f}" for f in formats)
            + f"{total:10.1f}{total / wall:8.1%}"
        )
    print(f"{'other':12s}" + " " * 14 * len(formats) + f"{wall - accounted:10.1f}"
          f"{(wall - accounted) / wall:8.1%}")  # fmt: skip
    print(f"{'rows':12s}" + "".join(f"{rows[f]:14,}" for f in formats))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
