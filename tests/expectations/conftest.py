"""A small real warehouse with three housing deliveries: clean, warn-only, defective.

Day 1 is the generator's clean tiny delivery (dirt=0) ingested by the real
ingest. Days 2 and 3 are buildings snapshots derived from day 1's file:
day 2 recodes 3% of the community codes to the pre-2017 新安街道 code (a
warning: well-formed, but not a current community); day 3 keeps 40% of the
buildings and breaks 35% of their building codes (volume collapse and a
quarantine share that blocks the delivery).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from zhiwang.settings import Settings

DAY1, DAY2, DAY3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
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

    gx_root = root / "gx_project"
    summaries = {
        day: validate(settings, "housing", day, gx_root=gx_root) for day in (DAY1, DAY2, DAY3)
    }
    return Validated(settings, gx_root, summaries, n, recoded, kept, broken)
