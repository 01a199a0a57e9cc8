"""End to end through real Airflow DAG runs: tiny deliveries for three dates.

Slow (minutes: Airflow start-up, dbt, the quality gates): run with `-m slow`.
Clean deliveries (dirt=0) so that no quality gate blocks on purpose; the
blocked case is planted explicitly.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.plan import PlannedRun
from orchestration.runner import RunResult, run_pipeline, run_plan
from orchestration.schedules import TRANSFORM_DAG_ID
from zhiwang.settings import Settings

pytestmark = pytest.mark.slow

START = date(2026, 10, 1)
DAYS = 3


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, RunResult]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("airflow-e2e"))
    return settings, run_pipeline(settings, START, DAYS, "tiny", dirt=0.0)


def _fingerprint(path: Path, schema: str = "marts") -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table in ``schema``."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name <> '_published' order by 1", [schema]).fetchall()]  # fmt: skip
        for table in tables:
            out[table] = con.execute(
                f"select count(*), coalesce(bit_xor(hash(t)), 0)::varchar "
                f'from {schema}."{table}" as t'
            ).fetchone()
    return out


def test_every_dag_run_succeeded_and_each_date_was_transformed(pipeline) -> None:
    _settings, result = pipeline
    assert result.runs, "no DAG run recorded"
    failed = [(r["dag_id"], r["step"], r.get("tasks")) for r in result.failed_runs]
    assert failed == []
    transformed = [r["step"] for r in result.runs if r["dag_id"] == TRANSFORM_DAG_ID]
    assert transformed == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert all(r["state"] == "success" for r in result.runs if r["dag_id"] == TRANSFORM_DAG_ID)


def test_the_marts_are_built_and_the_serving_copy_matches_them(pipeline) -> None:
    _settings, result = pipeline
    warehouse = _fingerprint(result.warehouse)
    assert warehouse and warehouse["rpt_population_structure"][0] > 0
    assert _fingerprint(result.serving) == warehouse
    with duckdb.connect(str(result.serving), read_only=True) as con:
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}  # fmt: skip
    assert schemas == {"marts"}  # raw and staging (plain personal data) never leave


def test_the_weekly_brief_is_written_without_personal_data(pipeline) -> None:
    _settings, result = pipeline
    names = {p.name for p in result.briefs}
    assert {"brief_district.html", "brief_district.pdf"} <= names
    assert len(names) > 2, "no per-street brief"
    for path in result.briefs:
        if path.suffix == ".pdf":
            assert path.read_bytes()[:5] == b"%PDF-"
            continue
        text = path.read_text(encoding="utf-8")
        assert "Events closed loop" in text and "Indicators vs targets" in text
        assert not re.search(r"\b\d{17}[\dXx]\b", text), f"citizen-ID-like text in {path}"
        assert not re.search(r"\b1[3-9]\d{9}\b", text), f"phone-like text in {path}"


def test_data_docs_are_left_in_place(pipeline) -> None:
    _settings, result = pipeline
    assert result.data_docs is not None and result.data_docs.exists()


def test_rerunning_the_same_dates_yields_the_same_warehouse(pipeline) -> None:
    settings, result = pipeline
    before = _fingerprint(result.warehouse), _fingerprint(result.warehouse, "audit")
    again = run_pipeline(settings, START, DAYS, "tiny", generate=False)
    assert again.failed_runs == []
    assert (_fingerprint(again.warehouse), _fingerprint(again.warehouse, "audit")) == before
    assert _fingerprint(again.serving) == before[0]


def test_a_blocked_delivery_stops_the_transform_and_keeps_the_serving_copy(pipeline) -> None:
    settings, _result = pipeline
    day = date(2026, 10, 4)
    folder = settings.landing / "population" / day.isoformat()
    folder.mkdir(parents=True)
    header = "GMSFHM,XM,XBDM,CSRQ,MZDM,HJLB,JZZBH,FWBM,RZRQ,LKRQ,LXDH,CZLX,GXSJ"
    # Every row has an unreadable citizen ID: all quarantined, nothing loaded.
    rows = [f"NOT-AN-ID-{i},,1,19900101,01,1,,,20200101,,,I,2026-10-04 08:00:00" for i in range(5)]
    (folder / f"ga_rkxx_{day:%Y%m%d}.csv").write_bytes("\n".join([header, *rows]).encode("gbk"))
    (folder / "_SUCCESS").touch()
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        published_before = con.execute("select run_label from marts._published").fetchone()
    step = day.isoformat()
    runs = run_plan(
        settings,
        [
            PlannedRun("ingest_population", f"{step}T00:00:00+08:00", step, "feed",
                       {"from_date": step, "to_date": step, "wait": False}),
            PlannedRun(TRANSFORM_DAG_ID, f"{step}T00:00:00+08:00", step, "transform"),
        ],
    )  # fmt: skip
    feed, transform = runs
    assert feed["state"] == "failed"
    assert feed["tasks"]["validate"] == "failed"
    assert feed["tasks"]["emit_asset"] == "upstream_failed"
    assert transform["state"] == "not_triggered"
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select run_label from marts._published").fetchone() == published_before
    failures = (settings.var_dir / "ops" / "failures.jsonl").read_text()
    assert '"dag_id": "ingest_population"' in failures and '"task_id": "validate"' in failures


def test_a_month_of_deliveries_can_be_backfilled(pipeline) -> None:
    import subprocess

    from orchestration.runner import AIRFLOW_PROJECT, airflow_environ

    settings, _result = pipeline
    proc = subprocess.run(
        [str(AIRFLOW_PROJECT / ".venv/bin/airflow"), "backfill", "create",
         "--dag-id", "ingest_population", "--from-date", "2026-10-01", "--to-date", "2026-10-31",
         "--reprocess-behavior", "completed", "--dry-run"],
        env=airflow_environ(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    # One run per delivery date: local midnights 2026-10-01 .. 2026-10-31 (16:00 UTC before).
    stamps = re.findall(r"2026-\d\d-\d\d 16:00:00\+00:00", proc.stdout)
    assert len(set(stamps)) == 31
    assert min(stamps) == "2026-09-30 16:00:00+00:00"
