"""Benchmark the generator: seconds, rows, rows/s and peak RSS, against a plain-CSV baseline.

The baseline, measured in the same run: polars writing the same number of rows
as plain UTF-8 CSV (a 10-column string frame), i.e. the cost of the bytes alone.

    uv run python bench/generate.py --scale district --days 7
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from generator.api import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_io import Step, write_steps


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _baseline_csv(rows: int, out: Path) -> float:
    """Seconds for polars to write ``rows`` plain CSV rows of 10 short string columns."""
    chunk = 1_000_000
    rng = np.random.default_rng(0)
    frame = pl.DataFrame(
        {f"c{i}": pl.Series(rng.integers(0, 10**12, chunk)).cast(pl.String) for i in range(10)}
    )
    began = time.perf_counter()
    written = 0
    with out.open("wb") as fh:
        while written < rows:
            n = min(chunk, rows - written)
            frame.head(n).write_csv(fh, include_header=written == 0)
            written += n
    return time.perf_counter() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--dirt", type=float, default=1.0)
    ap.add_argument(
        "--out", type=Path, default=None, help="Keep the output here (else a temp dir)."
    )
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()

    root = args.out or Path(tempfile.mkdtemp(prefix="zhiwang-bench-gen-"))
    stages: dict[str, float] = {}
    began = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        stages[stage] = time.perf_counter() - began
        if done == total:
            print(f"  {stage} done at {stages[stage]:.1f} s", file=sys.stderr, flush=True)

    result = generate(
        root / "landing",
        root / "ground_truth",
        scale=args.scale,
        seed=args.seed,
        start=date(2026, 10, 1),
        days=args.days,
        dirt=args.dirt,
        progress=progress,
    )
    size = sum(p.stat().st_size for p in (root / "landing").rglob("*") if p.is_file())
    peak = _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="zhiwang-bench-base-") as tmp:
        base_s = _baseline_csv(result.rows, Path(tmp) / "baseline.csv")

    rate = result.rows / result.seconds
    base_rate = result.rows / base_s
    print(f"scale={args.scale} days={args.days} dirt={args.dirt} seed={args.seed}")
    print(
        f"files {result.files:,}  rows {result.rows:,}  planted {result.defects:,}  "
        f"bytes {size / 1e6:,.0f} MB"
    )
    print(f"generate: {result.seconds:,.1f} s  {rate:,.0f} rows/s  peak RSS {peak:,.0f} MB")
    print("  stage finished at (s): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    print(f"baseline plain CSV write of the same rows: {base_s:,.1f} s  {base_rate:,.0f} rows/s")
    print(f"ratio generate / baseline time: {result.seconds / base_s:.1f}x")
    write_steps(
        args.json,
        [
            Step(
                "generate",
                result.rows,
                result.seconds,
                peak,
                base_s,
                "polars writing the same rows as plain CSV",
            )
        ],
        landing_bytes=size,
        files=result.files,
    )
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
