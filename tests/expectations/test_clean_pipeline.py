"""Slow: a clean multi-day delivery of every feed passes every raw expectation.

The false-alarm check for the whole gate (volume, freshness, drift, cross-table
rules on real generated data), not only for the suites the fast tests touch.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from zhiwang.settings import Settings


@pytest.mark.slow
def test_clean_deliveries_of_every_feed_pass_every_expectation(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from expectations.api import validate
    from generator.api import generate
    from ingest.api import ingest

    settings = Settings(var_dir=tmp_path_factory.mktemp("gx_clean") / "var")
    start, days = date(2026, 10, 1), 4
    generate(
        settings.landing, settings.ground_truth, scale="tiny", seed=11, start=start, days=days,
        dirt=0.0,
    )  # fmt: skip
    ingest(settings)
    for day in (start + timedelta(days=i) for i in range(days)):
        summary = validate(settings, "raw", day, docs=False)
        assert {d.feed for d in summary.deliveries} == {
            "population", "housing", "entities", "social_security", "events", "facilities",
        } or day != start, summary.summary()  # fmt: skip
        assert summary.status == "pass", summary.summary()
        assert all(r.exception is None for r in summary.results)
