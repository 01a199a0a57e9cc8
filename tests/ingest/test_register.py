"""The ingest knows the register of code changes (ingest/register.py, docs/GEOGRAPHY.md).

A community code a valid register line creates is known from the line's effective
date (no ``unknown_community`` note); a code no register names is noted exactly as
before; the register of a delivery date is loaded before every other file of that
date, so the order is fixed whatever the files are called.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from generator.api import generate
from ingest.api import ingest, load_order
from ingest.contract import load_feeds
from ingest.register import register_codes
from zhiwang.settings import Settings

START = date(2026, 10, 1)
DAYS = 3
CHANGE = START + timedelta(days=1)  # the default: the middle delivery date
REFERENCE = Path(__file__).resolve().parents[2] / "seeds" / "reference"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(var_dir=tmp_path_factory.mktemp("register-var"), reference_dir=REFERENCE)
    generate(settings.landing, settings.ground_truth, scale="tiny", start=START, days=DAYS)
    ingest(settings)
    return settings


def _new_community(settings: Settings) -> str:
    (path,) = settings.landing.glob("events/*/qhtz_*.csv")
    assert path.parent.name == CHANGE.isoformat(), "the default change is the middle date"
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    (new,) = {x["新代码"] for x in lines if x["层级"] == "社区" and x["原代码"] != x["新代码"]}
    return new


def test_codes_of_a_register_created_community_are_not_noted_unknown(loaded: Settings) -> None:
    new = _new_community(loaded)
    with duckdb.connect(str(loaded.warehouse), read_only=True) as con:
        rows = con.execute(
            "select count(*), count(*) filter (where _flags like '%unknown_community%') "
            "from raw.sjlz where grid_code like ? || '%'",
            [new],
        ).fetchone()
    assert rows is not None
    used, noted = rows
    assert used > 0, "no event uses the new community's grids: the test proves nothing"
    assert noted == 0


def test_codes_no_register_names_are_still_noted_unknown(loaded: Settings) -> None:
    """Every planted unknown community prefix (pre-2017 codes) keeps its note."""
    manifest = pl.read_parquet(loaded.ground_truth / "manifest.parquet").filter(
        (pl.col("defect") == "unknown_community") & (pl.col("level") == "row")
    )
    assert manifest.height > 0, "the generator planted no unknown community code"
    checked = 0
    with duckdb.connect(str(loaded.warehouse), read_only=True) as con:
        for (kind, file), part in manifest.group_by("file_kind", "file"):
            flags = dict(
                con.execute(
                    f"select _row_number, coalesce(_flags, '') from raw.{kind} where _file = ?",
                    [file],
                ).fetchall()
            )
            for row in part["row_number"].to_list():
                if row in flags:  # (a row another planted defect quarantined is not loaded)
                    assert "unknown_community" in flags[row], (kind, file, row)
                    checked += 1
    assert checked > 0


def _register_table(con: duckdb.DuckDBPyConnection, lines: list[tuple]) -> None:
    con.execute("create schema raw")
    con.execute(
        "create table raw.qhtz (change_id varchar, unit_level varchar, predecessor_code varchar,"
        " successor_code varchar, effective_date date, population_share decimal(18, 6),"
        " updated_at timestamp, _delivery_date date, _file varchar, _row_number bigint)"
    )
    con.executemany(
        "insert into raw.qhtz values (?, ?, ?, ?, ?, ?, ?, ?, 'qhtz_20261002.csv', ?)",
        [(*line, i) for i, line in enumerate(lines, start=1)],
    )


OLD = "440306018006"  # a community of the NBS reference (新安街道)
NEW = "440306018190"  # a segment no reference list holds


def test_register_codes_are_known_from_the_effective_date_and_only_when_valid() -> None:
    eff, at, day = date(2026, 10, 2), "2026-10-02 09:00:00", date(2026, 10, 2)
    lines = [
        ("QH-1", "社区", OLD, OLD, eff, 0.6, at, day),
        ("QH-1", "社区", OLD, NEW, eff, 0.4, at, day),
        ("QH-1", "网格", f"{OLD}004", f"{NEW}001", eff, 1.0, at, day),
        # shares of this change sum to 1.2: every line of it is invalid
        ("QH-2", "网格", f"{OLD}005", f"{OLD}005", eff, 0.6, at, day),
        ("QH-2", "网格", f"{OLD}005", f"{OLD}777", eff, 0.6, at, day),
        # a successor in a community nobody knows
        ("QH-3", "网格", f"{OLD}006", "440306018191001", eff, 1.0, at, day),
    ]
    with duckdb.connect() as con:
        _register_table(con, lines)
        before = register_codes(con, REFERENCE, eff - timedelta(days=1))
        on = register_codes(con, REFERENCE, eff)
    assert before.communities == before.grids == frozenset()
    assert on.communities == {OLD, NEW}
    assert on.grids == {f"{NEW}001"}


def test_no_register_loaded_means_no_register_codes() -> None:
    with duckdb.connect() as con:
        codes = register_codes(con, REFERENCE, date(2026, 10, 2))
    assert codes.communities == codes.grids == frozenset()


def test_the_register_of_a_date_loads_before_every_other_file_of_that_date() -> None:
    feeds = load_feeds()
    d1, d2 = date(2026, 10, 1), date(2026, 10, 2)
    files = [
        (feeds["population"], d2, Path("population") / "grid_rkcj_20261002.jsonl"),
        (feeds["entities"], d2, Path("entities") / "scjg_frxx_20261002.csv"),
        (feeds["events"], d2, Path("events") / "sjlz_20261002.jsonl"),
        (feeds["events"], d2, Path("events") / "qhtz_20261002.csv"),
        (feeds["housing"], d1, Path("housing") / "ld_20261001.csv"),
        (feeds["events"], d1, Path("events") / "sjlz_20261001.jsonl"),
    ]
    order = [p.name for _, _, p in sorted(files, key=lambda t: load_order(*t))]
    assert order == [
        "sjlz_20261001.jsonl",
        "ld_20261001.csv",
        "qhtz_20261002.csv",
        "scjg_frxx_20261002.csv",
        "sjlz_20261002.jsonl",
        "grid_rkcj_20261002.jsonl",
    ]


def test_a_feed_loaded_before_the_events_of_its_date_already_knows_the_register(
    tmp_path: Path,
) -> None:
    """Airflow runs one DAG per feed: the population DAG of the change date may load
    before the events DAG that brings the register. The ingest reads the register of
    complete delivery folders too, so the order changes nothing."""
    settings = Settings(var_dir=tmp_path / "var", reference_dir=REFERENCE)
    generate(settings.landing, settings.ground_truth, scale="tiny", start=START, days=7)
    ingest(settings, feeds=["population"])
    (path,) = settings.landing.glob("events/*/qhtz_*.csv")
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    (new,) = {x["新代码"] for x in lines if x["层级"] == "社区" and x["原代码"] != x["新代码"]}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.qhtz").fetchone()
        rows = con.execute(
            "select count(*), count(*) filter (where _flags like '%unknown_community%') "
            "from raw.grid_rkcj where grid_code like ? || '%'",
            [new],
        ).fetchone()
    assert loaded == (0,), "the register must not be loaded yet for this test"
    assert rows is not None and rows[0] > 0, "no collection names the new community"
    assert rows[1] == 0
