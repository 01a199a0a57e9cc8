"""dbt on the real pipeline: generator → ingest → dbt build (tiny scale)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.conftest import TINY_DAYS, TINY_START
from tests.dbt.dbt_helpers import build, findings
from tests.dbt.pseudonym import pseudonym
from zhiwang.settings import Settings

# manifest rules whose key is a citizen ID: the marts only hold its pseudonym
PERSON_RULES = {"xc_assistance_legal_rep", "xc_assistance_high_base", "xc_insured_no_residence"}
pytestmark = pytest.mark.slow


def _planted(ground_truth: Path) -> dict[str, set[str]]:
    manifest = pl.read_parquet(ground_truth / "manifest.parquet").filter(
        pl.col("defect").str.starts_with("xc_")
    )
    out: dict[str, set[str]] = {}
    for rule, key in manifest.select("defect", "key").iter_rows():
        out.setdefault(rule, set()).add(pseudonym(key) if rule in PERSON_RULES else key)
    return out


def test_every_planted_cross_check_case_is_found(tiny_pipeline, tmp_path: Path) -> None:
    settings = tiny_pipeline.settings
    build(settings.warehouse, tmp_path)
    planted = _planted(settings.ground_truth)
    assert planted, "the generator planted no cross-check cases"
    found = findings(settings.warehouse)
    missing = {rule: keys - found.get(rule, set()) for rule, keys in planted.items()}
    assert {rule: keys for rule, keys in missing.items() if keys} == {}


def test_a_clean_dataset_yields_no_findings(tmp_path: Path) -> None:
    from generator.api import generate
    from ingest.api import ingest

    settings = Settings(var_dir=tmp_path / "var")
    generate(
        settings.landing,
        settings.ground_truth,
        scale="tiny",
        seed=7,
        start=TINY_START,
        days=TINY_DAYS,
        dirt=0.0,
    )
    ingest(settings)
    build(settings.warehouse, tmp_path)
    assert findings(settings.warehouse) == {}
