"""transform_chunk on frames whose columns are chunked differently (regression)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.contract import load_feeds
from ingest.transform import FileState, transform_chunk


def _three_chunks(s: pl.Series) -> pl.Series:
    n = s.len() // 3
    return s.slice(0, n).append(s.slice(n, n)).append(s.slice(2 * n))


def _rows(n: int = 300) -> pl.DataFrame:
    ids = [f"E{i:06d}" for i in range(n)]
    ids[290] = ids[295] = None  # type: ignore[call-overload]  # missing_required, late in the chunk
    return pl.DataFrame(
        {
            "_row_number": pl.Series(range(1, n + 1), dtype=pl.Int64),
            "_original": [f"line {i}" for i in range(n)],
            "event_id": ids,
            "seq": [str(i % 5 + 1) for i in range(n)],
            "state": ["reported"] * n,
            "at": ["2026-10-01T10:00:00+08:00"] * n,
            "grid_code": ["440306017001001"] * n,
            "lon": ["113.9"] * n,
        }
    )


@pytest.mark.parametrize("chunked", [False, True])
def test_columns_with_other_chunk_layouts_give_the_same_result(chunked: bool) -> None:
    """polars' JSON reader returns columns in several chunks beside our one-chunk row
    numbers; with quarantined rows only in the last chunk polars 2.1 panicked
    ("assertion failed: i < self.len()") building the quarantine detail."""
    fk = next(f for f in load_feeds()["events"].files if f.kind == "sjlz")
    rows = _rows()
    if chunked:
        rows = pl.DataFrame(
            [rows["_row_number"], rows["_original"]]
            + [_three_chunks(rows[c]) for c in rows.columns[2:]]
        )
        assert rows["event_id"].n_chunks() == 3 and rows["_row_number"].n_chunks() == 1

    def run(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        state = FileState(delivery_date=date(2026, 10, 1), reference_dir=Path("seeds/reference"))
        return transform_chunk(frame, fk, state, [])

    accepted, bad = run(rows)
    assert bad.select("_row_number", "reason_code", "detail").rows() == [
        (291, "missing_required", "event_id failed missing_required"),
        (296, "missing_required", "event_id failed missing_required"),
    ]
    assert accepted.height == 298
    want_accepted, want_bad = run(_rows())
    assert accepted.equals(want_accepted) and bad.equals(want_bad)


# Hashes from a small pool (repeats are common), spread over the whole 64-bit range
# (the bit filter is keyed on the top bits) and packed into one slot (all collide).
_POOL_HASHES = st.sampled_from(
    [0, 1, 2, 3, 2**63, 2**63 + 1, 2**64 - 1, 2**64 - 2, 0x9E3779B97F4A7C15, 1 << 40]
    + [(i * 0x9E3779B97F4A7C15) % 2**64 for i in range(2, 40)]
)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.lists(_POOL_HASHES, max_size=40), max_size=40),
    st.integers(3, 8),
    st.integers(3, 12),
)
def test_repeated_hashes_across_chunks_match_a_set(
    chunks: list[list[int]], min_bits: int, max_bits: int
) -> None:
    """``_repeated`` says of each hash whether it occurred before in the file, exactly
    as a set would: across chunks, within a chunk (the first in file order is the
    new one, whatever the sort did with equal hashes), while the bit filter grows
    (tiny sizes here) or is full, and once the runs are merged (MAX_RUNS)."""
    from ingest.transform import SeenHashes, _repeated

    seen_hashes = SeenHashes(min_bits=min_bits, max_bits=max(min_bits, max_bits))
    seen_hashes.MAX_RUNS = 4
    seen: set[int] = set()
    for chunk in chunks:
        got = _repeated(np.array(chunk, dtype=np.uint64), seen_hashes)
        want = []
        for h in chunk:
            want.append(h in seen)
            seen.add(h)
        assert got.tolist() == want


_TYPED_VALUES = {
    pl.Date(): st.dates(),
    pl.Datetime("us"): st.datetimes(),
    pl.Int64(): st.integers(-(2**63), 2**63 - 1),
    pl.Boolean(): st.booleans(),
}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_typed_values_hash_alike_exactly_when_their_text_does(data: st.DataObject) -> None:
    """Duplicate detection hashes parsed dates, timestamps, integers and booleans as
    typed values (``_HASH_TYPED``) instead of their text: the same rows must match."""
    from ingest.transform import _HASH_TYPED

    assert set(_HASH_TYPED) == set(_TYPED_VALUES)
    for dtype, values in _TYPED_VALUES.items():
        # A few distinct values, repeated, with nulls: equal and unequal pairs both occur.
        pool = data.draw(st.lists(st.none() | values, min_size=1, max_size=4))
        picked = data.draw(st.lists(st.sampled_from(pool), min_size=2, max_size=12))
        typed = pl.Series("v", picked, dtype=dtype)
        by_value = typed.to_frame().hash_rows().to_list()
        by_text = typed.cast(pl.String).to_frame().hash_rows().to_list()
        n = len(picked)
        for i in range(n):
            for j in range(n):
                assert (by_value[i] == by_value[j]) == (by_text[i] == by_text[j]), (dtype, picked)
