"""End to end: real event deliveries through the ingest and the GX gate."""

from __future__ import annotations

import json

from tests.expectations.conftest import EventsValidated


def _drift(summary: object) -> list:
    return [
        r
        for r in summary.results  # type: ignore[attr-defined]
        if r.expectation.startswith("drift_event_category_mix")
    ]


def test_a_clean_event_delivery_passes_the_category_mix_check(
    events_validated: EventsValidated,
) -> None:
    summary = events_validated.clean
    (drift,) = _drift(summary)  # built: enough events on both sides
    assert drift.success
    assert summary.status == "pass", summary.summary()  # type: ignore[attr-defined]


def test_a_shifted_category_mix_warns_and_only_that(events_validated: EventsValidated) -> None:
    summary = events_validated.shifted
    not_met = {r.expectation.split(":")[0] for r in summary.results if not r.success}  # type: ignore[attr-defined]
    assert not_met == {"drift_event_category_mix"}, summary.summary()  # type: ignore[attr-defined]
    assert summary.status == "warn" and not summary.blocked  # type: ignore[attr-defined]
    (drift,) = _drift(summary)
    (row,) = json.loads(drift.unexpected_sample)
    assert row["delivery_events"] == events_validated.shifted_events
    assert row["chi2"] > row["chi2_critical"] and row["psi"] >= 0.1
