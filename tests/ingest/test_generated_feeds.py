"""Generated deliveries read back by the ingest exactly as the manifest says.

Unlike tests/test_pipeline_tiny.py (all feeds, default dirt), these raise the
defect rate for one feed so that every planted row defect of a small file shows
up, and then demand that *only* those rows are quarantined.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from generator.api import generate
from ingest.api import ingest, status
from zhiwang.settings import Settings

DAY = date(2026, 10, 1)
QUARANTINE_CODES = {"invalid_uscc", "missing_required"}  # quarantine-severity in mz_shzz


@pytest.fixture(scope="module")
def entities(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("mz-var")
    settings = Settings(var_dir=var, reference_dir=Path("seeds/reference").resolve())
    generate(settings.landing, settings.ground_truth, scale="tiny", start=DAY, days=1, dirt=25.0)
    ingest(settings, feeds=["entities"])
    return settings


def test_generated_mz_shzz_xlsx_loads_every_row_but_the_planted_ones(entities: Settings) -> None:
    path = entities.landing / "entities" / DAY.isoformat() / f"mz_shzz_{DAY:%Y%m%d}.xlsx"
    sheet = pl.read_excel(path, sheet_name="社会组织", infer_schema_length=0)
    manifest = pl.read_parquet(entities.ground_truth / "manifest.parquet").filter(
        (pl.col("file") == path.name) & (pl.col("level") == "row")
    )
    assert manifest.height >= 3, "raise dirt: the test needs planted defects in this file"

    (file,) = [r for r in status(entities) if r.file == path.name]
    assert file.status == "loaded"
    assert file.received == sheet.height > 0
    assert file.received == file.loaded + file.quarantined

    with duckdb.connect(str(entities.warehouse), read_only=True) as con:
        quarantined = set(
            con.execute(
                "select row_number, reason_code from audit.quarantine where file = ?", [path.name]
            ).fetchall()
        )
        loaded = con.execute(
            "select _row_number, coalesce(_flags, ''), mc, lb, djrq, zzgzrys from raw.mz_shzz"
        ).fetchall()
    planted = {(r["row_number"], r["defect"]) for r in manifest.iter_rows(named=True)}
    # Only planted quarantine defects are quarantined, each with its own reason.
    assert quarantined == {p for p in planted if p[1] in QUARANTINE_CODES}
    # Every other planted defect is in a loaded row carrying its flag.
    flags = {row: f for row, f, *_ in loaded}
    for row, code in planted - quarantined:
        assert code in flags[row], (row, code, flags[row])
    # The columns after the first were read: name, category, date, staff count.
    assert all(mc for _, _, mc, *_ in loaded)
    assert sum(lb is not None for *_, lb, _, _ in loaded) >= len(loaded) - len(planted)
    assert sum(d is not None for *_, d, _ in loaded) >= len(loaded) - len(planted)
    assert all(n is not None for *_, n in loaded)


@pytest.fixture(scope="module")
def added_2026_12(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The feeds added in 2026-12 (facilities ggss, registered unemployment sydj), dirty."""
    var = tmp_path_factory.mktemp("ggss-sydj-var")
    settings = Settings(var_dir=var, reference_dir=Path("seeds/reference").resolve())
    generate(settings.landing, settings.ground_truth, scale="tiny", start=DAY, days=3, dirt=25.0)
    ingest(settings, feeds=["facilities", "social_security"])
    return settings


@pytest.mark.parametrize("kind", ["ggss", "sydj"])
def test_generated_2026_12_feeds_quarantine_or_flag_exactly_the_planted_rows(
    added_2026_12: Settings, kind: str
) -> None:
    settings = added_2026_12
    manifest = pl.read_parquet(settings.ground_truth / "manifest.parquet").filter(
        (pl.col("file_kind") == kind) & (pl.col("level") == "row")
    )
    assert manifest.height >= 5, "raise dirt: the test needs planted defects in these files"
    files = [r for r in status(settings) if r.file.startswith(f"{kind}_")]
    assert files and all(f.status == "loaded" for f in files)
    assert all(f.received == f.loaded + f.quarantined for f in files)
    summary = json.loads((settings.ground_truth / "summary.json").read_text("utf-8"))
    written = {(f["delivery_date"], f["file"]): f["rows"] for f in summary["files"]}
    assert {(f.delivery_date.isoformat(), f.file): f.received for f in files} == {
        k: v for k, v in written.items() if k[1].startswith(f"{kind}_")
    }
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        quarantined = {
            (f, n): code
            for f, n, code in con.execute(
                "select file, row_number, reason_code from audit.quarantine where kind = ?", [kind]
            ).fetchall()
        }
        flags = {
            (f, n): fl or ""
            for f, n, fl in con.execute(
                f"select _file, _row_number, _flags from raw.{kind}"
            ).fetchall()
        }
    planted = {(r["file"], r["row_number"]): r["defect"] for r in manifest.iter_rows(named=True)}
    # nothing is quarantined that was not planted, and with the planted reason
    assert {k: planted.get(k) for k in quarantined} == quarantined
    # every other planted defect is in a loaded row carrying its flag
    for key, code in planted.items():
        if key not in quarantined:
            assert code in flags[key], (key, code, flags[key])
