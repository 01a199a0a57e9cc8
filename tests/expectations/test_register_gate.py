"""The raw gate knows the register of code changes (ingest/register.py, docs/GEOGRAPHY.md).

A grid or community the register created is a grid (``event_grid_exists``) and a
community (``code_in_reference``) from its effective date, before the housing
department's buildings snapshot names it; a grid no register names still warns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
import pytest

from zhiwang.settings import Settings

START = date(2026, 10, 1)
DAYS = 3
CHANGE = START + timedelta(days=1)  # the middle delivery date (explicit: a clean set has none)
PLANTED = START + timedelta(days=DAYS)  # an extra events delivery with a stray grid


@dataclass
class Gated:
    settings: Settings
    on_change: object  # ValidationSummary of the events delivered on the change date
    stray: object  # ... of a later delivery with one grid code nobody created
    new_grids: set[str]
    stray_grid: str


def _not_met(summary: object) -> set[str]:
    return {r.expectation.split(":")[0] for r in summary.results if not r.success}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Gated:
    from expectations.api import validate
    from generator.api import generate
    from ingest.api import ingest

    settings = Settings(var_dir=tmp_path_factory.mktemp("gx-register") / "var")
    generate(
        settings.landing, settings.ground_truth, scale="tiny", start=START, days=DAYS,
        dirt=0.0, geography_change=CHANGE,
    )  # fmt: skip
    (register,) = settings.landing.glob("events/*/qhtz_*.csv")
    lines = list(csv.DictReader(io.StringIO(register.read_text(encoding="utf-8"))))
    new_grids = {x["新代码"] for x in lines if x["层级"] == "网格" and x["原代码"] != x["新代码"]}
    kept = next(x["原代码"] for x in lines if x["层级"] == "网格" and x["原代码"] == x["新代码"])
    stray_grid = kept[:12] + "888"  # a known community, a grid no one created
    last = START + timedelta(days=DAYS - 1)
    events = pl.read_ndjson(
        settings.landing / "events" / last.isoformat() / f"sjlz_{last:%Y%m%d}.jsonl",
        infer_schema_length=None,
    )
    stray = events.head(1).with_columns(
        event_id=pl.lit("SX") + pl.col("event_id").str.slice(2), grid_code=pl.lit(stray_grid)
    )
    folder = settings.landing / "events" / PLANTED.isoformat()
    folder.mkdir(parents=True)
    stray.write_ndjson(folder / f"sjlz_{PLANTED:%Y%m%d}.jsonl")
    (folder / "_SUCCESS").write_text("")
    ingest(settings)
    return Gated(
        settings,
        validate(settings, "events", CHANGE, docs=False),
        validate(settings, "events", PLANTED, docs=False),
        new_grids,
        stray_grid,
    )


def test_events_on_register_created_grids_pass_the_grid_and_community_checks(
    gated: Gated,
) -> None:
    import duckdb

    with duckdb.connect(str(gated.settings.warehouse), read_only=True) as con:
        used = {
            g
            for (g,) in con.execute(
                "select distinct grid_code from raw.sjlz where _delivery_date = ?", [CHANGE]
            ).fetchall()
        }
        in_buildings = {
            g for (g,) in con.execute("select distinct grid_code from raw.ld").fetchall()
        }
    assert used & gated.new_grids, "no event uses a new grid: the test proves nothing"
    assert not (used & gated.new_grids) & in_buildings, "the buildings register knows them"
    not_met = _not_met(gated.on_change)
    assert "event_grid_exists" not in not_met, gated.on_change.summary()  # type: ignore[attr-defined]
    assert "code_in_reference" not in not_met, gated.on_change.summary()  # type: ignore[attr-defined]
    assert gated.on_change.status == "pass", gated.on_change.summary()  # type: ignore[attr-defined]


def test_a_grid_no_register_names_still_warns(gated: Gated) -> None:
    assert gated.stray_grid not in gated.new_grids
    assert "event_grid_exists" in _not_met(gated.stray), gated.stray.summary()  # type: ignore[attr-defined]
