"""The density estimate of the duplicate rule (tests/generator/duplicate_density.py) on tiny:
the events law it draws from plants what the warehouse test finds (same figures, no ingest)."""

from __future__ import annotations

from tests.generator.duplicate_density import incidents, judge


def test_the_rule_on_the_tiny_events_law() -> None:
    ev = incidents("tiny", days=28, seed=42)
    planted, found, precision, recall = judge(ev, 30, 100, True, False)
    assert planted > 30
    assert precision >= 0.95 and recall >= 0.95, (planted, found, precision, recall)
    _, loose_found, loose_precision, _ = judge(ev, 30, 100, False, False)
    assert loose_found > found and loose_precision < precision
