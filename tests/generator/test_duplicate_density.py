"""The duplicate rule at a scale's event density (tests/generator/duplicate_density.py):
on tiny the events law plants what the warehouse test finds (same figures, no
ingest); at district density the rule meets the 95% / 95% target on seed 42 and
on average over eleven seeds (one of which falls 0.1 point short on precision:
the sampling spread of ~1,300 planted pairs, docs/EVENT_RULES.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.generator.duplicate_density import (
    RULE_METRES,
    RULE_MINUTES,
    incidents,
    judge,
    same_building_share,
    seed_spread,
    write_events_feed,
)

TARGET = 0.95


@pytest.fixture(scope="module")
def district_week():
    return incidents("district", days=7, seed=42)


def test_the_rule_on_the_tiny_events_law() -> None:
    ev = incidents("tiny", days=28, seed=42)
    planted, found, precision, recall = judge(ev, RULE_MINUTES, RULE_METRES, True, False)
    assert planted > 30
    assert precision >= TARGET and recall >= TARGET, (planted, found, precision, recall)
    _, loose_found, loose_precision, _ = judge(ev, RULE_MINUTES, RULE_METRES, False, False)
    assert loose_found > found and loose_precision < precision


def test_the_rule_at_district_density(district_week) -> None:
    """Both targets met, and far above the 30-minute / 100-metre rule's precision, which
    independent incidents of a busy grid defeat."""
    planted, found, precision, recall = judge(district_week, RULE_MINUTES, RULE_METRES, True, False)
    print(f"\ndistrict 7 days seed 42: planted {planted} found {found} "
          f"precision {precision:.4f} recall {recall:.4f}")  # fmt: skip
    assert planted > 1000
    assert precision >= TARGET and recall >= TARGET, (precision, recall)
    _, _, wide_precision, _ = judge(district_week, 30, 100, True, False)
    assert wide_precision < precision - 0.1
    # the old 60 m window bought recall the target did not need with precision it did
    _, _, old_precision, old_recall = judge(district_week, RULE_MINUTES, 60, True, False)
    assert old_precision < TARGET <= precision and old_recall > recall


@pytest.mark.slow
def test_the_target_over_seeds() -> None:
    """The rule's expected precision and recall (mean over eleven district weeks) meet the
    target; no seed falls more than half a point short (sampling spread)."""
    figures = seed_spread("district", 7, range(1, 12))
    print("\n" + "\n".join(f"seed {s}: {f}" for s, f in figures.items()))
    precision = [f[2] for f in figures.values()]
    recall = [f[3] for f in figures.values()]
    assert sum(precision) / len(precision) >= TARGET
    assert sum(recall) / len(recall) >= TARGET
    assert min(precision) >= TARGET - 0.005 and min(recall) >= TARGET - 0.005


def test_a_second_report_is_geocoded_to_its_own_building(district_week) -> None:
    """In a dense grid the second reporter's position often points at a neighbour of the
    first report's building (the building code is per report), so a same-building rule
    would lose most duplicates; on tiny (one building per grid) it cannot differ."""
    assert 0.2 < same_building_share(district_week) < 0.6
    assert same_building_share(incidents("tiny", days=7, seed=42)) == 1.0


def test_the_events_feed_alone_is_the_full_runs(tmp_path: Path) -> None:
    """``write_events_feed`` (the district warehouse measurement) writes the very events
    files of ``generate`` for the same scale, seed and days."""
    from generator.api import generate

    full = tmp_path / "full"
    generate(full / "landing", full / "gt", scale="tiny", seed=42, start=date(2026, 10, 1), days=3,
             geography_change=False)  # fmt: skip
    alone = tmp_path / "alone"
    write_events_feed("tiny", 3, 42, alone / "landing", alone / "gt")
    files = sorted(p.relative_to(full / "landing") for p in (full / "landing/events").rglob("*"))
    assert files and files == sorted(
        p.relative_to(alone / "landing") for p in (alone / "landing/events").rglob("*")
    )
    for rel in files:
        if (full / "landing" / rel).is_file():
            assert (full / "landing" / rel).read_bytes() == (alone / "landing" / rel).read_bytes()
