"""dbt on the real pipeline: generator → ingest → dbt build (tiny scale)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.conftest import TINY_DAYS, TINY_START
from tests.dbt.dbt_helpers import build, findings, query
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


def _codes(warehouse: Path, sql: str) -> set[str]:
    return {code for (code,) in query(warehouse, sql) if code is not None}


def test_every_planted_cross_check_case_is_found(tiny_built: Settings) -> None:
    planted = _planted(tiny_built.ground_truth)
    assert planted, "the generator planted no cross-check cases"
    found = findings(tiny_built.warehouse)
    missing = {rule: keys - found.get(rule, set()) for rule, keys in planted.items()}
    assert {rule: keys for rule, keys in missing.items() if keys} == {}


def test_dim_grid_holds_only_grids_of_known_communities(tiny_built: Settings) -> None:
    """Planted orphan grid codes (pre-2017 street segment) stay on the rows, make no grid."""
    manifest = pl.read_parquet(tiny_built.ground_truth / "manifest.parquet").filter(
        (pl.col("defect") == "unknown_community")
        & (pl.col("file_kind") == "grid_rkcj")
        & (pl.col("column") == "grid_code")
    )
    planted = pl.DataFrame(
        query(tiny_built.warehouse, "select _file, _row_number, grid_code from raw.grid_rkcj"),
        schema=["file", "row_number", "grid_code"],
        orient="row",
    ).join(manifest.select("file", "row_number"), on=["file", "row_number"])
    planted_codes = set(planted["grid_code"])
    assert planted_codes, "the generator planted no orphan grid codes in grid_rkcj"
    grids = _codes(tiny_built.warehouse, "select grid_code from marts.dim_grid")
    assert grids, "dim_grid is empty"
    assert planted_codes.isdisjoint(grids)
    # every grid is a community of the admin-division seed, or one the register
    # of changes created (the generator plants a split by default,
    # docs/GEOGRAPHY.md), plus a 3-digit sequence (the unlocated members 未定位
    # nest the same way, under their own unlocated community; the dbt tests
    # nests_in_geography check them)
    strays = query(
        tiny_built.warehouse,
        """with communities as (
               select division_code as community_code from reference.admin_divisions
               where division_level = 'community'
               union
               select successor_code from intermediate.int_geography_changes
               where is_accepted and unit_level = 'community')
           select g.grid_code from marts.dim_grid as g
           left join communities as d on substr(g.grid_code, 1, 12) = d.community_code
           where not g.is_unlocated and (d.community_code is null or length(g.grid_code) <> 15
              or g.community_code <> substr(g.grid_code, 1, 12) or g.street_code is null)""",
    )
    assert strays == []
    created = query(
        tiny_built.warehouse,
        """select count(*) from marts.dim_grid as g
           where not g.is_unlocated and substr(g.grid_code, 1, 12) not in (
               select division_code from reference.admin_divisions)""",
    )
    assert created[0][0] > 0, "no grid of the planted new community: the change is not planted"
    # the grid channel's code is kept on the person as delivered, never as the conformed key
    residence = _codes(tiny_built.warehouse, "select residence_grid_code from internal.dim_person")
    collected = _codes(tiny_built.warehouse, "select collected_grid_code from internal.dim_person")
    assert planted_codes.isdisjoint(residence)
    assert planted_codes & collected


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


def test_residents_of_a_building_moved_into_a_new_community_are_located_there(
    tiny_built: Settings,
) -> None:
    """The default planted split moves grids into a new community; the buildings
    snapshot after it names their new grid, while room codes keep the old community's
    digits. Their residents are in the new community on that grid (location_joins,
    docs/GEOGRAPHY.md), not on the old community's unlocated grid."""
    moved = query(
        tiny_built.warehouse,
        """with moves as (
               select predecessor_code, successor_code from intermediate.int_geography_changes
               where is_accepted and unit_level = 'community'
                 and predecessor_code <> successor_code)
           select s.community_code, s.grid_code, s.unlocated_reason, m.successor_code,
                  b.grid_code
           from internal.fct_residence_spells as s
           join marts.dim_building as b on substr(s.room_code, 1, 17) = b.building_code
           join moves as m
             on substr(s.room_code, 1, 12) = m.predecessor_code
            and substr(b.grid_code, 1, 12) = m.successor_code
           where s.valid_to is null""",
    )
    assert moved, "no resident of a moved building: the test proves nothing"
    for community, grid, reason, successor, building_grid in moved:
        assert (community, grid, reason) == (successor, building_grid, None)
