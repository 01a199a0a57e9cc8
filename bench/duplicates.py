"""Benchmark the ingest's duplicate detection (``ingest.transform._repeated``).

A file's row hashes arrive a chunk at a time, and each row must be told whether
its hash occurred earlier in the file. Measured in one run over the same hashes
(``--rows`` 64-bit hashes, 1% of them repeats of earlier ones, chunks of 500k):

(a) the ingest's ``_repeated`` with ``SeenHashes``, chunk by chunk;
(b) baseline: polars ``is_first_distinct`` over the whole column at once (what it
    would cost with every hash in hand: a lower bound an online method can only
    approach);
(c) the previous method (every hash looked up in every sorted run of earlier
    chunks, runs merged log-structured), kept here for the comparison.

All three must agree; the ratios to (b) are printed with the peak RSS.

    uv run --frozen python bench/duplicates.py --rows 14000000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

# this folder would shadow the `ingest` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from ingest.readers import CHUNK_ROWS  # noqa: E402
from ingest.transform import SeenHashes, _repeated  # noqa: E402


def _previous(hashes: np.ndarray, runs: list[np.ndarray]) -> np.ndarray:
    """The method before SeenHashes (ingest/transform.py until 2026-12-05)."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    hit = np.zeros(hashes.size, dtype=bool)
    hit[1:] = ordered[1:] == ordered[:-1]
    for run in runs:
        pos = np.minimum(np.searchsorted(run, ordered), run.size - 1)
        hit |= run[pos] == ordered
    found = np.empty(hashes.size, dtype=bool)
    found[order] = hit
    if hashes.size:
        runs.append(ordered)
    while len(runs) > 1 and runs[-2].size <= 2 * runs[-1].size:
        last = runs.pop()
        runs[-1] = np.sort(np.concatenate([runs[-1], last]), kind="stable")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=14_000_000)
    ap.add_argument("--chunk", type=int, default=CHUNK_ROWS)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    hashes = rng.integers(0, 2**64 - 1, args.rows, dtype=np.uint64, endpoint=True)
    k = args.rows // 100
    hashes[rng.integers(0, args.rows, k)] = hashes[rng.integers(0, args.rows, k)]

    began = time.perf_counter()
    want = ~pl.Series(hashes).is_first_distinct().to_numpy()
    baseline = time.perf_counter() - began

    results = {}
    for name in ("SeenHashes", "previous"):
        seen: SeenHashes | list[np.ndarray] = SeenHashes() if name == "SeenHashes" else []
        began = time.perf_counter()
        parts = [
            _repeated(hashes[s : s + args.chunk], seen)  # type: ignore[arg-type]
            if name == "SeenHashes"
            else _previous(hashes[s : s + args.chunk], seen)  # type: ignore[arg-type]
            for s in range(0, args.rows, args.chunk)
        ]
        results[name] = time.perf_counter() - began
        if not np.array_equal(np.concatenate(parts), want):
            sys.exit(f"{name} disagrees with is_first_distinct: a bug, not a speed")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.rows:,} hashes, {int(want.sum()):,} repeats, chunks of {args.chunk:,}")
    print(f"{'method':36s}{'s':>8s}{'ratio':>8s}")
    print(f"{'(b) is_first_distinct, all at once':36s}{baseline:8.2f}{1:8.2f}")
    for name, label in (("SeenHashes", "(a) _repeated + SeenHashes"), ("previous", "(c) previous")):
        print(f"{label:36s}{results[name]:8.2f}{results[name] / baseline:8.2f}")
    print(f"peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
