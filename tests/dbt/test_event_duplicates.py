"""Duplicate incidents on generated data: precision and recall against the manifest.

Precision and recall are judged on four weeks of tiny events (seed 42, default
dirt: ~40 planted duplicates; one week plants ~12, where a single coincidence
moves precision by 8 points): the rule (same grid, 10 minutes, 55 m, same
category group) plus the source's own merges must find at least 95% of the
planted duplicates whose two reports were loaded, with at least 95% of what it
finds planted. The figures are printed (``-s``) for the closing note. The
tiny pipeline's week (all feeds) checks that the marts keep duplicates as a
figure of their own. District density (where the rule meets both targets on
seed 42 and on average over eleven seeds): docs/EVENT_RULES.md and
tests/generator/test_duplicate_density.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import TINY_START, TinyPipeline
from tests.dbt.dbt_helpers import dbt_ok, query
from tests.dbt.duplicate_quality import DuplicateQuality, measure
from zhiwang.settings import Settings

TARGET = 0.95
MONTH_DAYS = 28
MODELS_AND_SEEDS = ["--resource-type", "model", "--resource-type", "seed"]


@pytest.fixture(scope="module")
def events_month(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Four weeks of tiny deliveries, the events feed ingested, built up to the duplicates."""
    from generator.api import generate
    from ingest.api import ingest

    settings = Settings(var_dir=tmp_path_factory.mktemp("tiny-events-month"))
    generate(
        settings.landing,
        settings.ground_truth,
        scale="tiny",
        seed=42,
        start=TINY_START,
        days=MONTH_DAYS,
        dirt=1.0,
    )
    ingest(settings, feeds=["events"])
    dbt_ok(
        ["build", "--select", "+fct_event_duplicates", *MODELS_AND_SEEDS],
        settings.warehouse,
        settings.var_dir,
    )
    return settings


@pytest.fixture(scope="module")
def duplicates_built(tiny_pipeline: TinyPipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tiny-duplicates")
    warehouse = work / "warehouse.duckdb"
    shutil.copy(tiny_pipeline.settings.warehouse, warehouse)
    models = ["--select", "+fct_event_duplicates", "+rpt_event_performance"]
    dbt_ok(["build", *models, *MODELS_AND_SEEDS], warehouse, work)
    # the two models' own tests (not those that reach into models left unbuilt)
    dbt_ok(
        ["test", "--select", "fct_event_duplicates", "rpt_event_performance",
         "--indirect-selection", "cautious"],
        warehouse,
        work,
    )  # fmt: skip
    return warehouse


def _report(label: str, quality: DuplicateQuality) -> None:
    print(f"\nduplicate incidents, {label}: {json.dumps(quality.summary())}")


def test_duplicate_detection_meets_precision_and_recall(events_month: Settings) -> None:
    quality = measure(events_month.warehouse, events_month.ground_truth)
    _report(f"tiny {MONTH_DAYS} days, same category group", quality)
    assert quality.planted >= 30, "too few planted duplicates loaded to judge"
    assert quality.recall >= TARGET, quality.summary()
    assert quality.precision >= TARGET, quality.summary()
    # the rule names the planted original, not just some earlier report
    assert quality.right_original == quality.true_positives, quality.summary()


def test_source_merges_alone_miss_most_duplicates(events_month: Settings) -> None:
    """The reason for the rule: the source marks only some duplicates `merged`."""
    quality = measure(events_month.warehouse, events_month.ground_truth)
    warehouse = events_month.warehouse
    [(merged,)] = query(warehouse, "select count(*) from marts.fct_event where is_duplicate")
    [(rule_only,)] = query(
        warehouse, "select count(*) from marts.fct_event_duplicates where detected_by = 'rule'"
    )
    print(f"\nmerged by the source: {merged} of {quality.planted} planted; rule only: {rule_only}")
    assert merged / quality.planted < TARGET
    assert rule_only > 0


def test_duplicates_are_their_own_figure(duplicates_built: Path) -> None:
    """Volumes and rates leave duplicates out; the duplicate figure is every found duplicate."""
    [(received, reported, dups, total_dups)] = query(
        duplicates_built,
        """
        select sum(reports_received), sum(events_reported), sum(duplicate_events),
               (select count(*) from marts.fct_event_duplicates d
                join marts.fct_event e using (event_id) where e.grid_code is not null)
        from marts.rpt_event_performance
        where unit_level = 'grid' and period_type = 'month'
        """,
    )
    assert dups == total_dups > 0
    assert received == reported + dups


def test_without_the_category_check_more_pairs_match(
    events_month: Settings, tmp_path: Path
) -> None:
    """Reported for comparison: the category group is what keeps precision up."""
    loose = tmp_path / "loose.duckdb"
    shutil.copy(events_month.warehouse, loose)
    dbt_ok(
        [
            "run",
            "--select",
            "fct_event_duplicates",
            "--vars",
            "{event_duplicate_same_category_group: false}",
        ],
        loose,
        tmp_path,
    )
    strict = measure(events_month.warehouse, events_month.ground_truth)
    relaxed = measure(loose, events_month.ground_truth)
    _report(f"tiny {MONTH_DAYS} days, any category", relaxed)
    assert relaxed.predicted >= strict.predicted
    assert set(relaxed.false_positives) >= set(strict.false_positives)
