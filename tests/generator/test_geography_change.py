"""The planted geography change (generator/geography_change.py, docs/GEOGRAPHY.md)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from generator.api import generate

START = date(2026, 10, 1)
DAYS = 3
CHANGE = START + timedelta(days=1)
REFERENCE = Path(__file__).resolve().parents[2] / "seeds" / "reference"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    root = tmp_path_factory.mktemp("gen-geography")
    generate(
        root / "landing", root / "gt", scale="tiny", start=START, days=DAYS, geography_change=CHANGE
    )
    return root / "landing", pl.read_parquet(root / "gt" / "manifest.parquet")


def _register(landing: Path) -> list[dict[str, str]]:
    files = sorted(landing.glob("events/*/qhtz_*.csv"))
    assert [p.parent.name for p in files] == [CHANGE.isoformat()]
    return list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))))


def test_the_register_holds_a_split_and_a_redrawing_with_shares_summing_to_1(run) -> None:
    landing, manifest = run
    lines = _register(landing)
    assert {line["层级"] for line in lines} == {"社区", "网格"}
    assert {line["生效日期"] for line in lines} == {CHANGE.isoformat()}
    sums: dict[tuple[str, str], float] = {}
    for line in lines:
        key = (line["变更编号"], line["原代码"])
        sums[key] = sums.get(key, 0.0) + float(line["人口占比"])
    assert all(abs(total - 1) < 1e-9 for total in sums.values()), sums
    community = [line for line in lines if line["层级"] == "社区"]
    old = {line["原代码"] for line in community}
    new = {line["新代码"] for line in community} - old
    assert len(old) == 1 and len(new) == 1  # one community split, keeping its code
    reference = set(
        pl.read_csv(
            REFERENCE / "admin_divisions_shenzhen.csv", schema_overrides={"code12": pl.String}
        )["code12"]
    )
    assert new.isdisjoint(reference), "the new community must be no code of the real reference"
    redrawn = [
        line for line in lines if line["层级"] == "网格" and line["原代码"] == line["新代码"]
    ]
    assert len(redrawn) == 1
    planted = manifest.filter(pl.col("defect") == "geography_change")
    assert planted.height == len(lines)


def test_events_carry_new_codes_from_the_change_on_and_a_few_late_old_ones(run) -> None:
    landing, manifest = run
    lines = _register(landing)
    recoded = {line["原代码"]: line["新代码"] for line in lines if line["层级"] == "网格"}
    recoded = {o: n for o, n in recoded.items() if o != n}
    new_codes = set(recoded.values())
    seen: dict[str, set[str]] = {"before": set(), "after": set()}
    for path in landing.glob("events/*/sjlz_*.jsonl"):
        when = "after" if date.fromisoformat(path.parent.name) >= CHANGE else "before"
        for text in path.read_text(encoding="utf-8").splitlines():
            seen[when].add((json.loads(text).get("grid_code") or "").strip())
    assert not seen["before"] & new_codes, "a new code before the change"
    assert seen["after"] & new_codes, "no event uses a new code after the change"
    late = manifest.filter(pl.col("defect") == "old_code_after_change")
    assert late.height >= 1
    assert set(late["delivery_date"]) <= {CHANGE + timedelta(days=i) for i in range(DAYS - 1)}


def test_a_change_outside_the_delivered_days_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="inside the range"):
        generate(tmp_path / "l", tmp_path / "g", scale="tiny", start=START, days=2,
                 geography_change=START)  # fmt: skip


WEEK = 7  # the README's default range: the change falls on 2026-10-04, a Monday snapshot after


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("gen-geography-default")
    generate(root / "landing", root / "gt", scale="tiny", start=START, days=WEEK)
    return root / "landing", root / "gt"


def test_the_change_is_planted_by_default_on_the_middle_delivery_date(default_run) -> None:
    landing, gt = default_run
    middle = START + timedelta(days=WEEK // 2)
    assert json.loads((gt / "summary.json").read_text(encoding="utf-8"))["geography_change"] == (
        middle.isoformat()
    )
    assert [p.parent.name for p in landing.glob("events/*/qhtz_*.csv")] == [middle.isoformat()]


def test_no_change_when_turned_off_or_with_a_single_delivery_day(tmp_path: Path) -> None:
    generate(tmp_path / "off" / "l", tmp_path / "off" / "g", scale="tiny", start=START, days=2,
             geography_change=False)  # fmt: skip
    generate(tmp_path / "one" / "l", tmp_path / "one" / "g", scale="tiny", start=START, days=1)
    for run in ("off", "one"):
        assert not list((tmp_path / run / "l").glob("events/*/qhtz_*.csv"))
        summary = json.loads((tmp_path / run / "g" / "summary.json").read_text(encoding="utf-8"))
        assert summary["geography_change"] is None


def test_other_feeds_deliver_the_new_codes_from_the_change_on_a_few_late_old(
    default_run,
) -> None:
    """The buildings snapshot after the change names the new community and grids; the
    late lines with the old codes are in the manifest. Building codes keep their digits."""
    landing, gt = default_run
    (path,) = landing.glob("events/*/qhtz_*.csv")
    register = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    new_community = next(
        x["新代码"] for x in register if x["层级"] == "社区" and x["原代码"] != x["新代码"]
    )
    recoded = {x["原代码"]: x["新代码"] for x in register if x["层级"] == "网格"}
    snapshots = {
        p.parent.name: pl.read_csv(p, infer_schema=False)
        for p in landing.glob("housing/*/ld_*.csv")
    }
    before, after = snapshots[START.isoformat()], snapshots["2026-10-05"]
    assert new_community not in set(before["community_code"].str.strip_chars())
    moved = after.filter(pl.col("community_code").str.strip_chars() == new_community)
    assert moved.height > 0, "the snapshot after the change does not know the new community"
    assert set(moved["building_code"].str.strip_chars()) <= set(
        before["building_code"].str.strip_chars()
    ), "a building code changed its digits"
    assert all(g.strip() in set(recoded.values()) for g in moved["grid_code"] if g)
    manifest = pl.read_parquet(gt / "manifest.parquet").filter(
        pl.col("defect") == "old_code_after_change"
    )
    late = manifest.filter(pl.col("feed") == "housing")
    assert late.height >= 1 and set(late["delivery_date"]) == {date(2026, 10, 5)}
    late_rows = after.filter(pl.col("building_code").str.strip_chars().is_in(late["key"].to_list()))
    assert late_rows.height >= 1
    assert new_community not in set(late_rows["community_code"].str.strip_chars())
    assert {"events", "housing"} <= set(manifest["feed"])
