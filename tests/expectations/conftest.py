"""A small real warehouse with three housing deliveries: clean, warn-only, defective.

Day 1 is the generator's clean tiny delivery (dirt=0) ingested by the real
ingest. Days 2 and 3 are buildings snapshots derived from day 1's file:
day 2 recodes 3% of the community codes to the pre-2017 新安街道 code (a
warning: well-formed, but not a current community); day 3 keeps 40% of the
buildings and breaks 35% of their building codes (volume collapse and a
quarantine share that blocks the delivery).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from zhiwang.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DAY1, DAY2, DAY3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
QUALITY_MARTS = (
    "rpt_quality_pass_rate",
    "rpt_quality_latest_delivery",
    "rpt_quality_blocked_deliveries",
)
OLD_XINAN_COMMUNITY = "440306001001"  # 新安街道 before the 2017 recoding


@dataclass
class Validated:
    settings: Settings
    gx_root: Path
    summaries: dict[date, object]
    ld_rows: int
    recoded: int
    kept: int
    broken: int
    fresh_build: subprocess.CompletedProcess[str]  # dbt before any validation
    fresh_rows: dict[str, int]  # quality mart rows after that build


def dbt_build_quality(settings: Settings) -> subprocess.CompletedProcess[str]:
    """``dbt build`` of the dq staging models and the quality marts built on them (one
    target dir per var)."""
    env = {**os.environ, "ZHIWANG_VAR_DIR": str(settings.var_dir), "DO_NOT_TRACK": "1"}
    target = Path(settings.var_dir) / "dbt_target"  # reused: the second build parses partially
    cmd = [
        sys.executable, "-m", "dbt.cli.main", "build",
        "--project-dir", str(REPO / "dbt_project"),
        "--profiles-dir", str(REPO / "dbt_project"),
        "--target-path", str(target),
        "--log-path", str(target / "logs"),
        "--select", "path:models/staging/dq", "path:models/marts/quality",
        # the gate's marts read the dq schema; rpt_feed_freshness (also a quality mart)
        # reads every feed's staging models, which this housing-only warehouse lacks
        "--exclude", "rpt_feed_freshness",
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO, check=False)


def _write_delivery(landing: Path, day: date, frame: pl.DataFrame) -> None:
    folder = landing / "housing" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_csv(folder / f"ld_{day:%Y%m%d}.csv")
    (folder / "_SUCCESS").write_text("")


@pytest.fixture(scope="package")
def validated(tmp_path_factory: pytest.TempPathFactory) -> Validated:
    from expectations.api import validate
    from generator.api import generate
    from ingest.api import ingest

    root = tmp_path_factory.mktemp("gx")
    settings = Settings(var_dir=root / "var")
    generate(
        settings.landing, settings.ground_truth, scale="tiny", seed=42, start=DAY1, days=1, dirt=0.0
    )
    ingest(settings, feeds=["housing"])

    day1 = settings.landing / "housing" / DAY1.isoformat() / f"ld_{DAY1:%Y%m%d}.csv"
    ld = pl.read_csv(day1, infer_schema=False)
    n = ld.height
    recoded = max(1, round(n * 0.03)) + 1  # just over the 1% warn tolerance, far under 20%
    warn_only = ld.with_columns(
        community_code=pl.when(pl.int_range(pl.len()) < recoded)
        .then(pl.lit(OLD_XINAN_COMMUNITY))
        .otherwise(pl.col("community_code"))
    )
    _write_delivery(settings.landing, DAY2, warn_only)

    kept = int(n * 0.4)
    broken = int(kept * 0.35)
    defective = ld.head(kept).with_columns(
        building_code=pl.when(pl.int_range(pl.len()) < broken)
        .then(pl.lit("B") + pl.col("building_code"))
        .otherwise(pl.col("building_code"))
    )
    _write_delivery(settings.landing, DAY3, defective)
    ingest(settings, feeds=["housing"])

    # a fresh warehouse: no dq schema yet, and dbt must build anyway
    import duckdb

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert not con.execute(
            "select count(*) from information_schema.schemata where schema_name = 'dq'"
        ).fetchone()[0]  # type: ignore[index]
    fresh_build = dbt_build_quality(settings)
    fresh_rows = {}
    if fresh_build.returncode == 0:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for mart in QUALITY_MARTS:
                fresh_rows[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]  # type: ignore[index]

    gx_root = root / "gx_project"
    summaries = {
        day: validate(settings, "housing", day, gx_root=gx_root) for day in (DAY1, DAY2, DAY3)
    }
    return Validated(
        settings, gx_root, summaries, n, recoded, kept, broken, fresh_build, fresh_rows
    )


@dataclass
class EventsValidated:
    settings: Settings
    clean: object  # ValidationSummary of a clean delivery (day 4)
    shifted: object  # ... of a delivery whose category mix was shifted (day 5)
    shifted_events: int


SHIFTED_CATEGORY = ("0401", "突发事件")  # 3% of the generator's events


@pytest.fixture(scope="package")
def events_validated(tmp_path_factory: pytest.TempPathFactory) -> EventsValidated:
    """Four clean daily event deliveries, then a fifth with most events recategorised."""
    from expectations.api import validate
    from generator.api import generate
    from ingest.api import ingest

    root = tmp_path_factory.mktemp("gx_events")
    settings = Settings(var_dir=root / "var")
    generate(
        settings.landing, settings.ground_truth, scale="tiny", seed=7, start=DAY1, days=4, dirt=0.0
    )
    last = DAY1.replace(day=4)
    planted = last.replace(day=5)
    lines = pl.read_ndjson(
        settings.landing / "events" / last.isoformat() / f"sjlz_{last:%Y%m%d}.jsonl",
        infer_schema_length=None,
    )
    # new events (fresh ids), 60% of them moved to one rare category
    events = lines.select(pl.col("event_id").unique().sort())
    moved = events.filter(pl.int_range(pl.len()) % 5 < 3)["event_id"]
    shifted = lines.with_columns(
        event_id=pl.lit("SX") + pl.col("event_id").str.slice(2),
        category_code=pl.when(pl.col("event_id").is_in(moved.implode()))
        .then(pl.lit(SHIFTED_CATEGORY[0]))
        .otherwise(pl.col("category_code")),
        category_name=pl.when(pl.col("event_id").is_in(moved.implode()))
        .then(pl.lit(SHIFTED_CATEGORY[1]))
        .otherwise(pl.col("category_name")),
    )
    folder = settings.landing / "events" / planted.isoformat()
    folder.mkdir(parents=True)
    shifted.write_ndjson(folder / f"sjlz_{planted:%Y%m%d}.jsonl")
    (folder / "_SUCCESS").write_text("")
    ingest(settings, feeds=["events"])
    clean = validate(settings, "events", last, docs=False)
    drifted = validate(settings, "events", planted, docs=False)
    new_events = shifted.filter(pl.col("state") == "reported")["event_id"].n_unique()
    return EventsValidated(settings, clean, drifted, new_events)
