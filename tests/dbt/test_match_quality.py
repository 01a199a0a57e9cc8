"""Golden-record matching on the tiny pipeline: precision and recall against the manifest.

The generator records the true identity behind every planted variant
(``entity_variant``: an employer written with a wrong USCC check character or
its bare organisation code; ``building_variant``: an event that names a
position but no building). The match decisions of ``int_entity_matches`` and
``int_building_matches`` must merge at least 95% of the loaded variants into
their true record, and at least 98% of their non-exact merges must be right.
The figures are printed (``-s``) for the closing note; district scale:
docs/GOLDEN_RECORDS.md and ``python -m tests.dbt.match_quality``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.stewardship import write_stewardship_csvs
from tests.conftest import TinyPipeline
from tests.dbt.dbt_helpers import dbt_ok, query, schema_of
from tests.dbt.match_quality import MatchQuality, measure_buildings, measure_entities

PRECISION, RECALL = 0.98, 0.95
MODELS_AND_SEEDS = ["--resource-type", "model", "--resource-type", "seed"]
GOLDEN = [
    "+dim_legal_entity_golden",
    "+dim_building_golden",
    "+rpt_stewardship_counts",
    # views whose grain is tested on another model (one for one, below)
    "+fct_person_status",
    "+fct_contributions",
]


@pytest.fixture(scope="module")
def golden_built(tiny_pipeline: TinyPipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tiny-golden")
    warehouse = work / "warehouse.duckdb"
    shutil.copy(tiny_pipeline.settings.warehouse, warehouse)
    dbt_ok(["build", "--select", *GOLDEN, *MODELS_AND_SEEDS], warehouse, work)
    # the golden models' own tests (not those that reach into models left unbuilt)
    dbt_ok(
        ["test", "--select", "int_entity_matches", "int_building_matches", "int_entity_mentions",
         "int_building_mentions", "int_event_locations", "dim_legal_entity_golden",
         "dim_building_golden",
         "rpt_stewardship_queue", "rpt_stewardship_counts",
         "--indirect-selection", "cautious"],
        warehouse,
        work,
    )  # fmt: skip
    return warehouse


def _check(label: str, quality: MatchQuality) -> None:
    print(f"\n{label}: {json.dumps(quality.summary(), ensure_ascii=False)}")
    assert quality.planted >= 5, f"too few planted {label} variants to judge: {quality.planted}"
    assert quality.precision >= PRECISION, quality.summary()
    assert quality.recall >= RECALL, quality.summary()


def test_entity_matching_meets_precision_and_recall(
    tiny_pipeline: TinyPipeline, golden_built: Path
) -> None:
    _check("entities", measure_entities(golden_built, tiny_pipeline.settings.ground_truth))


def test_building_matching_meets_precision_and_recall(
    tiny_pipeline: TinyPipeline, golden_built: Path
) -> None:
    _check("buildings", measure_buildings(golden_built, tiny_pipeline.settings.ground_truth))


def test_every_delivered_code_has_one_decision_and_variants_join_their_record(
    golden_built: Path,
) -> None:
    """Both kinds of variant were merged into an existing golden record, and that
    record counts them; an unregistered employer still has a record."""
    rows = dict(
        query(
            golden_built,
            """
            select match_rule, count(*) from intermediate.int_entity_matches group by match_rule
            """,
        )
    )
    assert rows.get("check_character", 0) > 0 and rows.get("organisation_code", 0) > 0, rows
    orphans = query(
        golden_built,
        """
        select count(*) from intermediate.int_entity_matches as m
        left join marts.dim_legal_entity_golden as g on m.golden_uscc = g.uscc
        where m.golden_uscc is not null and g.uscc is null
        """,
    )[0][0]
    assert orphans == 0
    variants, unregistered = query(
        golden_built,
        """
        select sum(variant_code_count), count(*) filter (where record_source = 'social_security')
        from marts.dim_legal_entity_golden
        """,
    )[0]
    assert variants > 0 and unregistered > 0
    located = query(
        golden_built, "select sum(events_located_by_position) from marts.dim_building_golden"
    )[0][0]
    assert located > 0


def test_views_whose_grain_is_tested_elsewhere_are_kept_one_for_one(
    golden_built: Path, compiled_manifest: dict
) -> None:
    """A view that declares its grain tested on another model (meta grain_tested_on,
    e.g. the mentions views on their matches) is not tested itself: each such test
    would compute every source's mentions once more in the daily build. The other
    model must therefore keep exactly the view's rows, each once, or a repeated row
    of the view could pass unseen (test_project_evaluator checks that the named
    model tests that grain)."""
    declared = [
        (node["name"], node["config"]["meta"]["grain_tested_on"])
        for node in compiled_manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("meta", {}).get("grain_tested_on")
    ]
    assert {name for name, _ in declared} >= {
        "int_entity_mentions",
        "int_building_mentions",
        "fct_person_status",
        "fct_contributions",
    }
    for view, elsewhere in declared:
        grain = ", ".join(elsewhere["columns"])
        model = elsewhere["model"]
        seen, kept = f"{schema_of(view)}.{view}", f"{schema_of(model)}.{model}"
        counts = query(
            golden_built,
            f"""
            select
                (select count(*) from {seen}),
                (select count(*) from {kept}),
                (select count(*) from (
                    select {grain} from {seen} except select {grain} from {kept}
                ) as missing)
            """,
        )[0]
        assert counts[0] > 0 and counts[0] == counts[1] and counts[2] == 0, (view, counts)


def test_stewardship_lists_one_file_per_department_without_plain_ids(
    golden_built: Path, tmp_path: Path
) -> None:
    """Every open disagreement is in its correcting department's CSV (0600), each
    kind the queue holds is there (person, entity, building), and no plain citizen
    ID of the register reaches a file (persons appear as pseudonyms)."""
    queue = dict(
        query(
            golden_built,
            "select correcting_department, count(*) from internal.rpt_stewardship_queue "
            "group by correcting_department",
        )
    )
    types = {
        t
        for (t,) in query(
            golden_built, "select distinct subject_type from internal.rpt_stewardship_queue"
        )
    }
    assert types == {"person", "entity", "building"}
    files = write_stewardship_csvs(golden_built, tmp_path)
    assert set(files) == set(queue)
    ids = {i for (i,) in query(golden_built, "select distinct gmsfhm from raw.ga_rkxx limit 2000")}
    for department, path in files.items():
        assert path.stat().st_mode & 0o077 == 0
        text = path.read_text("utf-8-sig")
        assert len(text.splitlines()) - 1 == queue[department]
        assert not [i for i in ids if i in text]
    counts = dict(
        query(
            golden_built,
            "select correcting_department, sum(open_count) from marts.rpt_stewardship_counts "
            "group by correcting_department",
        )
    )
    assert counts == queue
