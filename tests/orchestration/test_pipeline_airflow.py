"""End to end through real Airflow DAG runs: tiny deliveries for three dates.

Slow (about 8-10 minutes here: Airflow start-up, three dbt builds, the quality
gates): run with `-m slow`. The chain is started by the README's main command
itself (`zhiwang run`, in a subprocess) on clean deliveries (dirt=0) so that no
quality gate blocks by accident; the blocked case is planted explicitly. All
tests share that one var dir and Airflow home.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from ingest import raw_store
from orchestration.disclosure import audit, read_rules
from orchestration.plan import PlannedRun, plan_runs
from orchestration.runner import airflow_home, run_plan
from orchestration.schedules import TRANSFORM_DAG_ID, TZ
from tests.orchestration.fingerprint import (
    QUALITY_HISTORY_PREFIX,
    Fingerprint,
    data_tables,
    fingerprint,
    same,
)
from tests.privacy import files_containing
from zhiwang.secrets import PSEUDONYM_KEY, read_secrets
from zhiwang.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

START = date(2026, 10, 1)
DAYS = 3


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[dict], str]:
    """`zhiwang run` over three tiny dates; its DAG-run records and its output."""
    var = tmp_path_factory.mktemp("airflow-e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIWANG_")}
    env["ZHIWANG_VAR_DIR"] = str(var)
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "run", "--start", START.isoformat(),
         "--days", str(DAYS), "--dirt", "0", "--no-superset"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    # The installation's key is the one `zhiwang run` generated into <var>/secrets.env:
    # the session's ZHIWANG_PSEUDONYM_KEY (tests/conftest.py) must not override it
    # here, or a re-run would pseudonymise with another key (refused by dbt's
    # key-fingerprint check) and the key search would look for the wrong key.
    installed = read_secrets(var)[PSEUDONYM_KEY]
    settings = Settings(var_dir=var, pseudonym_key=installed)
    log = airflow_home(settings) / "runner.log"
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}\nsee {log}"
    results = airflow_home(settings) / "results.jsonl"
    runs = [json.loads(line) for line in results.read_text().splitlines()]
    return settings, runs, proc.stdout + proc.stderr


def _serving_views(warehouse: Path) -> set[str]:
    """The serving models: views in the warehouse, evaluated again on the protected copy."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'VIEW'"
        ).fetchall()
    return {r[0] for r in rows}


def _published_as(
    serving: Fingerprint, warehouse: Fingerprint, rules: dict, views: set[str] = frozenset()
) -> bool:
    """The serving copy is the warehouse's marts but for disclosure control: tables
    without counts of persons are equal, the others keep their rows with small
    counts withheld (docs/PRIVACY.md), and so do the serving models (``views``),
    evaluated again on the protected copy."""
    controlled = set(rules) | set(views)
    exact = {t: v for t, v in warehouse.items() if t not in controlled}
    return (
        serving.keys() == warehouse.keys()
        and same({t: serving[t] for t in exact}, exact)
        and all(serving[t][0] == warehouse[t][0] for t in controlled if t in warehouse)
    )


def test_every_dag_run_succeeded_and_each_date_was_transformed(pipeline) -> None:
    _settings, runs, _out = pipeline
    assert runs, "no DAG run recorded"
    failed = [(r["dag_id"], r["step"], r.get("tasks")) for r in runs if r["state"] != "success"]
    assert failed == []
    transformed = [r["step"] for r in runs if r["dag_id"] == TRANSFORM_DAG_ID]
    assert transformed == ["2026-10-01", "2026-10-02", "2026-10-03"]
    # Every feed DAG ran its four tasks (a date without its delivery would show skips).
    feeds = [r for r in runs if r["role"] == "feed"]
    assert {r["dag_id"] for r in feeds} >= {"ingest_population", "ingest_events"}
    assert all(set(r["tasks"].values()) == {"success"} for r in feeds)


def test_each_transform_recorded_the_batches_its_staging_tests_covered(pipeline) -> None:
    """The next scheduled build tests only newer batches' staging rows (issue 15,
    dbt_project/macros/test_scope.sql): every live batch was covered by a build."""
    settings, _runs, _out = pipeline
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        live_sql = f"select batch_id from audit.batches where {raw_store.live_sql()}"
        live = {r[0] for r in con.execute(live_sql).fetchall()}
        tested = con.execute("select count(distinct batch_id) from audit.tested_batches").fetchone()
        untested = con.execute(
            "select count(*) from audit.batches b where "
            f"{raw_store.live_sql('b.status')} and b.batch_id not in "
            "(select batch_id from audit.tested_batches)"
        ).fetchone()
    assert live and tested and untested
    assert untested[0] == 0
    assert tested[0] >= len(live)


def test_the_command_says_where_everything_is(pipeline) -> None:
    settings, _runs, out = pipeline
    flat = re.sub(r"\s+", "", out)  # rich wraps long paths
    for label, path in (("warehouse", settings.warehouse), ("servingcopy", settings.serving),
                        ("DataDocs", settings.var_dir / "data_docs"),
                        ("weeklybrief", settings.var_dir / "reports" / "2026-10-03")):  # fmt: skip
        assert label + ":" + re.sub(r"\s+", "", str(path)) in flat, label


def test_the_marts_are_built_and_the_serving_copy_matches_them(pipeline) -> None:
    settings, _runs, _out = pipeline
    warehouse = fingerprint(settings.warehouse, as_published=True)
    assert warehouse and warehouse["rpt_population_structure"][0] > 0
    serving = fingerprint(settings.serving)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rules = read_rules(con)
    assert rules and _published_as(serving, warehouse, rules, _serving_views(settings.warehouse))
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}  # fmt: skip
        assert audit(con, rules, "marts", settings.disclosure_threshold) == []
    # raw and staging (plain personal data), internal (exact quasi-identifiers) never leave
    assert schemas == {"marts"}


def test_the_pseudonym_key_is_in_no_file_of_the_run(pipeline) -> None:
    """Airflow's log (the runner's: the tasks' output, dbt's among it) and metadata
    DB, dbt's target/ and logs, the warehouse: the key is in none."""
    settings, _runs, out = pipeline
    key = settings.pseudonym_secret()
    assert key == read_secrets(settings.var_dir)[PSEUDONYM_KEY], "not the run's own key"
    assert key != os.environ.get(PSEUDONYM_KEY)
    assert "dbt build" in (airflow_home(settings) / "runner.log").read_text(), "no task log"
    assert key not in out
    assert files_containing([settings.var_dir], key) == []


def test_the_weekly_brief_is_written_without_personaldata_tables(pipeline) -> None:
    settings, _runs, _out = pipeline
    briefs = sorted((settings.var_dir / "reports" / "2026-10-03").glob("brief_*"))
    names = {p.name for p in briefs}
    assert {"brief_district.html", "brief_district.pdf"} <= names
    assert len(names) > 2, "no per-street brief"
    for path in briefs:
        if path.suffix == ".pdf":
            body = path.read_bytes()
            assert body[:5] == b"%PDF-"
            assert b"NotoSansCJK" in body or b"Droid" in body, "no CJK font embedded"
            continue
        text = path.read_text(encoding="utf-8")
        assert "Events closed loop" in text and "Indicators vs targets" in text
        assert re.search(r"[\u4e00-\u9fff]{2,}", text), f"no Chinese name in {path}"
        assert path.stem != "brief_district" or "宝安区" in text
        assert not re.search(r"\b\d{17}[\dXx]\b", text), f"citizen-ID-like text in {path}"
        assert not re.search(r"\b1[3-9]\d{9}\b", text), f"phone-like text in {path}"


def test_data_docs_are_left_in_place(pipeline) -> None:
    settings, _runs, _out = pipeline
    assert (settings.var_dir / "data_docs").is_dir()
    assert list((settings.var_dir / "data_docs").rglob("index.html"))


def test_rerunning_a_date_yields_the_same_warehouse(pipeline) -> None:
    settings, _runs, _out = pipeline
    marts, audit = fingerprint(settings.warehouse), fingerprint(settings.warehouse, "audit")
    # the person-grain marts (fct_assistance_payments, ...) are in internal: compared too
    internal = fingerprint(settings.warehouse, "internal")
    assert any(t.startswith(QUALITY_HISTORY_PREFIX) for t in marts)
    assert "fct_assistance_payments" in internal
    # The middle date again, after the last one: its feeds, the transform, the brief.
    again = run_plan(settings, plan_runs(date(2026, 10, 2), 1))
    assert [r for r in again if r["state"] != "success"] == []
    assert any(r["dag_id"] == TRANSFORM_DAG_ID for r in again)
    assert same(fingerprint(settings.warehouse, "audit"), audit)  # the ingest added nothing
    assert same(data_tables(fingerprint(settings.warehouse)), data_tables(marts))
    assert same(fingerprint(settings.warehouse, "internal"), internal)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rules = read_rules(con)
    assert _published_as(
        fingerprint(settings.serving),
        fingerprint(settings.warehouse, as_published=True),
        rules,
        _serving_views(settings.warehouse),
    )


def test_a_blocked_delivery_stops_the_transform_and_keeps_the_serving_copy(pipeline) -> None:
    settings, _runs, _out = pipeline
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
    from orchestration.runner import AIRFLOW_PROJECT, airflow_environ

    settings, _runs, _out = pipeline
    proc = subprocess.run(
        [str(AIRFLOW_PROJECT / ".venv/bin/airflow"), "backfill", "create",
         "--dag-id", "ingest_population", "--from-date", "2026-10-01", "--to-date", "2026-10-31",
         "--reprocess-behavior", "completed", "--dry-run"],
        env=airflow_environ(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    # One run per delivery date: local midnights 2026-10-01 .. 2026-10-31 (Airflow prints
    # the first in local time, the rest in UTC: 16:00 the day before).
    stamps = re.findall(r"^\| (2026-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d) ", proc.stdout, re.M)
    local = {datetime.fromisoformat(s).astimezone(TZ).date() for s in stamps}
    assert len(stamps) == 31
    assert local == {date(2026, 10, d) for d in range(1, 32)}
