"""The event-category-mix drift check: a sound test, quiet on clean deliveries.

The statistic is DuckDB SQL inside a GX ``UnexpectedRowsExpectation``; here it
runs on multinomial samples drawn from the generator's category weights, so
its false-alarm rate and power are measured rather than assumed.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from expectations.suites.raw import MIX_ALPHA, category_mix_drift

CATEGORIES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
WEIGHTS = np.array([0.22, 0.08, 0.08, 0.03, 0.2, 0.1, 0.08, 0.1, 0.08, 0.03])  # generator's


def _counts(rng: np.random.Generator, n: int, weights: np.ndarray) -> dict[str, int]:
    drawn = rng.multinomial(n, weights / weights.sum())
    return {c: int(k) for c, k in zip(CATEGORIES, drawn, strict=True) if k}


def _warns(con: duckdb.DuckDBPyConnection, reference: dict[str, int], delivery: dict[str, int]):
    """Run the expectation's query over a delivery with these counts: its unexpected rows."""
    counts = ", ".join(f"('{c}', {k})" for c, k in delivery.items()) or "('01', 0)"
    # two rows per event (reported, dispatched): only the event counts, not its rows
    con.execute(
        f"""
        create or replace temp table batch as
        select c || lpad(cast(i as varchar), 7, '0') as event_id, state, c || '01' as category_code
        from (values {counts}) as t(c, k), range(k) as r(i),
             (values ('reported'), ('dispatched')) as s(state)
        """
    )
    query = category_mix_drift(reference, sum(delivery.values())).unexpected_rows_query
    return con.execute(query.replace("{batch}", "batch")).fetchall()


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    with duckdb.connect() as c:
        yield c


@pytest.mark.parametrize(("n", "m"), [(60, 120), (300, 2_000), (11_000, 77_000)])
def test_clean_deliveries_rarely_warn(con: duckdb.DuckDBPyConnection, n: int, m: int) -> None:
    rng = np.random.default_rng(n)
    trials = 100
    alarms = sum(
        bool(_warns(con, _counts(rng, m, WEIGHTS), _counts(rng, n, WEIGHTS))) for _ in range(trials)
    )
    # expected alarms: trials * alpha = 0.1; 2 or more would be a broken test statistic
    assert alarms <= 1, f"{alarms} false alarms in {trials} clean deliveries (alpha {MIX_ALPHA})"


def test_a_planted_shift_warns(con: duckdb.DuckDBPyConnection) -> None:
    rng = np.random.default_rng(7)
    shifted = WEIGHTS.copy()
    shifted[3] = 0.20  # 突发事件 from 3% to about 17%: a storm, or a recoded export
    hits = 0
    found: list[tuple] = []
    for _ in range(40):
        if rows := _warns(con, _counts(rng, 400, WEIGHTS), _counts(rng, 150, shifted)):
            hits, found = hits + 1, rows
    assert hits >= 32, f"only {hits}/40 shifted deliveries of 150 events warned"
    (row,) = found
    delivery_events, reference_events, df, chi2, critical, psi = row
    assert (delivery_events, reference_events) == (150, 400)
    assert chi2 > critical and psi >= 0.1 and df >= 1


def test_a_trivial_shift_in_a_large_delivery_does_not_warn(con: duckdb.DuckDBPyConnection) -> None:
    # significant at this size (chi-square alone would warn) but not material (PSI < 0.1)
    shifted = WEIGHTS.copy()
    shifted[0], shifted[4] = 0.25, 0.17
    reference = {c: round(float(w) * 400_000) for c, w in zip(CATEGORIES, WEIGHTS, strict=True)}
    delivery = {c: round(float(w) * 40_000) for c, w in zip(CATEGORIES, shifted, strict=True)}
    assert _warns(con, reference, delivery) == []


def test_a_category_absent_from_the_reference_is_pooled_not_infinite(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rng = np.random.default_rng(3)
    reference = _counts(rng, 500, WEIGHTS)
    delivery = _counts(rng, 100, WEIGHTS) | {"99": 2}  # a new code, twice: too few to matter
    assert _warns(con, reference, delivery) == []
