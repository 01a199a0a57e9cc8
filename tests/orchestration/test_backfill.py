"""A real Airflow backfill (issue 16 item 5): the scheduler of ``airflow standalone``
runs ``airflow backfill create`` for every feed DAG over three tiny delivery dates,
the transform follows the feed assets as in production, and the marts equal one
full build (ingest everything, one ``dbt build``) of the same deliveries.

Slow (Airflow's start-up and some 30 DAG runs on two cores: about 10-20 minutes):
``-m slow``. Per feed DAG, one backfill over its periods that hold the dates (a
weekly or monthly DAG has one run for them); the hourly events DAG gets one
backfill per date over its first hour, whose run loads that date's delivery (the
other 23 hourly runs of a date would load nothing new: identical files are
skipped). The range crosses a change of community and grid codes (issue 16
item 1, docs/GEOGRAPHY.md): the generator plants a community split and a grid
redrawing on the second date (CHANGE), so the backfill loads the data office's
register and events with old codes before it and new (and a few late old)
codes after it, and the restated trends must still equal a full build's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from orchestration.plan import _period_start
from orchestration.schedules import FEED_DAGS, TRANSFORM_DAG_ID
from tests.orchestration.fingerprint import data_tables, fingerprint, same
from tests.ports import free_port
from zhiwang.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

START = date(2026, 10, 1)
DAYS = 3
LAST = START + timedelta(days=DAYS - 1)
CHANGE = START + timedelta(days=1)
STARTUP_TIMEOUT_S = 900
RUNS_TIMEOUT_S = 3600
# a scheduler that has not beaten its heart for this long is gone (it beats every
# few seconds; two busy cores delay it by seconds, not minutes)
SCHEDULER_SILENCE_S = 180
# production restarts a dead scheduler (docker-compose.yml: restart unless-stopped);
# the test restarts ``airflow standalone`` as often, then fails
SCHEDULER_RESTARTS = 1


def _backfills() -> list[tuple[str, str, str]]:
    """(dag id, from date, to date) of every backfill the test creates: one per
    non-hourly DAG first, then the hourly DAG's one per date (Airflow runs one
    backfill per DAG at a time, so those wait for each other)."""
    out, hourly = [], []
    for spec in FEED_DAGS:
        if spec.cadence == "hourly":
            for i in range(DAYS):
                day = (START + timedelta(days=i)).isoformat()
                hourly.append((spec.dag_id, day, day))
        else:
            first, last = _period_start(spec, START), _period_start(spec, LAST)
            out.append((spec.dag_id, first.isoformat(), last.isoformat()))
    return out + hourly


def _running_backfills(db: Path, dag_id: str) -> int | None:
    """How many backfills of ``dag_id`` have not completed (None: could not read)."""
    rows = _query(
        db, f"select count(*) from backfill where dag_id = '{dag_id}' and completed_at is null"
    )
    return rows[0][0] if rows else None


def _backfill_count(db: Path, dag_id: str) -> int | None:
    """How many backfills of ``dag_id`` exist (None: could not read). Counted, not
    looked up by date: Airflow stores a backfill's dates in UTC, shifted from the
    DAG's local dates the CLI was given."""
    rows = _query(db, f"select count(*) from backfill where dag_id = '{dag_id}'")
    return rows[0][0] if rows else None


def _query(db: Path, sql: str) -> list[tuple]:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    except sqlite3.OperationalError:
        return []  # not created yet
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet, or locked for a moment
    finally:
        con.close()


def _scheduler_alive(db: Path, after_job: int) -> bool | None:
    """Whether the newest scheduler job started after job id ``after_job`` is alive
    (state running, a heartbeat within SCHEDULER_SILENCE_S); None while it has not
    started (or the table could not be read)."""
    rows = _query(
        db,
        "select state, latest_heartbeat from job where job_type = 'SchedulerJob' "
        f"and id > {after_job} order by id desc limit 1",
    )
    if not rows:
        return None
    state, heartbeat = rows[0]
    if state != "running" or heartbeat is None:
        return False
    beat = datetime.fromisoformat(str(heartbeat))
    beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
    return (datetime.now(UTC) - beat).total_seconds() < SCHEDULER_SILENCE_S


class _Standalone:
    """``airflow standalone`` under a supervisor, as production runs the scheduler.

    Airflow's standalone keeps serving when its scheduler dies (e.g. Airflow 3.3's
    scheduler stopped at start-up on a CI run with ``ObjectDeletedError: DagRun has
    been deleted``), so a test that only waited for runs would wait out its whole
    timeout. ``check()`` restarts it when the process exited or its scheduler
    stopped beating, SCHEDULER_RESTARTS times, then fails with the log."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path, db: Path) -> None:
        self.cmd, self.env, self.log, self.db = cmd, env, log, db
        self.restarts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.after_job = 0
        self.start()

    def start(self) -> None:
        # the jobs of earlier starts are not this start's: a restart must not judge its
        # scheduler by the dead one's row, so the table is read until it answers (it
        # may be locked for a moment); before the first start there is no table yet
        jobs = _query(self.db, "select coalesce(max(id), 0) from job")
        for _ in range(30):
            if jobs or self.proc is None:
                break
            time.sleep(1)
            jobs = _query(self.db, "select coalesce(max(id), 0) from job")
        else:
            pytest.fail(f"could not read the job table of {self.db} to restart airflow")
        self.after_job = jobs[0][0] if jobs else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=60)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def check(self) -> None:
        assert self.proc is not None
        exited = self.proc.poll() is not None
        if not exited and _scheduler_alive(self.db, self.after_job) is not False:
            return
        what = "airflow standalone exited" if exited else "its scheduler stopped"
        if self.restarts >= SCHEDULER_RESTARTS:
            pytest.fail(
                f"{what} (restarted {self.restarts}x already); log {self.log}:\n{self.log_tail()}"
            )
        self.restarts += 1
        print(f"{what}: restarting airflow standalone ({self.restarts})", flush=True)
        self.stop()
        self.start()


def _wait(what: str, done, timeout: float, airflow: _Standalone) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        airflow.check()
        time.sleep(10)
    pytest.fail(
        f"timed out waiting for {what}; standalone log {airflow.log}:\n{airflow.log_tail()}"
    )


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generator.api import generate

    root = tmp_path_factory.mktemp("backfill-deliveries")
    generate(root / "landing", root / "ground_truth", scale="tiny", seed=42,
             start=START, days=DAYS, dirt=0.0, geography_change=CHANGE)  # fmt: skip
    return root / "landing"


@pytest.fixture(scope="module")
def full_build(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Every delivery ingested, then one ``dbt build``: no Airflow."""
    from ingest.api import ingest
    from orchestration.service import run_dbt_build

    settings = Settings(var_dir=tmp_path_factory.mktemp("backfill-full"))
    shutil.copytree(landing, settings.landing)
    ingest(settings)
    run_dbt_build(settings)
    return settings


@pytest.fixture(scope="module")
def backfilled(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The same deliveries loaded by real backfills run by Airflow's scheduler."""
    var = tmp_path_factory.mktemp("backfill-airflow")
    settings = Settings(var_dir=var)
    shutil.copytree(landing, settings.landing)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(settings.environ())
    env.update(
        {
            "ZHIWANG_VAR_DIR": str(var),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
            # one task at a time besides the scheduler: two cores
            "AIRFLOW__CORE__PARALLELISM": "2",
        }
    )
    cli = [sys.executable, "-m", "orchestration.airflow_cli"]
    log = var / "standalone.log"
    db = settings.airflow / "airflow.db"
    airflow = _Standalone([*cli, "standalone"], env, log, db)
    try:
        dag_ids = {spec.dag_id for spec in FEED_DAGS} | {TRANSFORM_DAG_ID}
        _wait(
            "the DAGs to be parsed",
            lambda: dag_ids <= {r[0] for r in _query(db, "select dag_id from dag")},
            STARTUP_TIMEOUT_S,
            airflow,
        )
        for dag_id, first, last in _backfills():
            # one running backfill per DAG: the hourly DAG's dates wait for each other
            _wait(
                f"the running backfill of {dag_id} to complete",
                lambda d=dag_id: _running_backfills(db, d) == 0,
                RUNS_TIMEOUT_S,
                airflow,
            )
            before = _backfill_count(db, dag_id)
            while before is None:  # locked for a moment
                time.sleep(1)
                before = _backfill_count(db, dag_id)
            args = [*cli, "backfill", "create", "--dag-id", dag_id, "--from-date", first,
                    "--to-date", last, "--reprocess-behavior", "completed",
                    "--dag-run-conf", json.dumps({"wait": False})]  # fmt: skip

            def created(dag_id: str = dag_id, before: int = before) -> bool:
                return (_backfill_count(db, dag_id) or 0) > before

            for attempt in range(5):  # SQLite: a create racing the scheduler may be locked
                done = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True,
                                      text=True, timeout=600)  # fmt: skip
                # a create reported as failed (locked) may still have been committed
                if done.returncode == 0 or created():
                    break
                time.sleep(5 * (attempt + 1))
            deadline = time.monotonic() + 60  # the count may be locked for a moment
            while not created() and time.monotonic() < deadline:
                time.sleep(2)
            assert created(), f"backfill create {dag_id} {first}: {done.stderr[-2000:]}"

        def settled() -> bool:
            backfills = _query(db, "select completed_at from backfill")
            busy = _query(
                db,
                "select count(*) from dag_run where state in ('queued', 'running') "
                "and run_type in ('backfill', 'asset_triggered')",
            )
            return (
                len(backfills) == len(_backfills())
                and all(r[0] is not None for r in backfills)
                and busy == [(0,)]
            )

        _wait("the backfills and the transform", settled, RUNS_TIMEOUT_S, airflow)
        time.sleep(30)  # an asset event of the last feed run may still queue a transform
        _wait("the last transform", settled, RUNS_TIMEOUT_S, airflow)
    finally:
        airflow.stop()
    return settings


def test_the_backfill_ran_every_feed_date_through_airflow(backfilled: Settings) -> None:
    """Every backfill run of every feed DAG succeeded, and the transform the feed assets
    triggered last succeeded. (An earlier transform may have been blocked by the marts'
    quality gates while only some feeds were loaded: that is the gate doing its job.)"""
    db = backfilled.airflow / "airflow.db"
    runs = _query(db, "select dag_id, state from dag_run where run_type = 'backfill'")
    assert {r[0] for r in runs} == {spec.dag_id for spec in FEED_DAGS}
    assert [r for r in runs if r[1] != "success"] == []
    transforms = _query(
        db,
        f"select state from dag_run where dag_id = '{TRANSFORM_DAG_ID}' "
        "and run_type = 'asset_triggered' order by end_date desc",
    )
    assert transforms, "the feed assets triggered no transform"
    assert transforms[0][0] == "success"


def test_the_backfilled_marts_equal_one_full_build(
    backfilled: Settings, full_build: Settings
) -> None:
    """Every mart and internal table holds the same rows, but for the load times
    (fct_event.last_loaded_at, fct_event_transitions.loaded_at,
    rpt_feed_freshness.latest_loaded_at: the only differences measured)."""
    for schema in ("marts", "internal"):
        # the columns that record when a row was loaded differ by definition
        mine = data_tables(fingerprint(backfilled.warehouse, schema, without_load_times=True))
        theirs = data_tables(fingerprint(full_build.warehouse, schema, without_load_times=True))
        assert mine.keys() == theirs.keys()
        differ = sorted(t for t in mine if not same({t: mine[t]}, {t: theirs[t]}))
        assert differ == [], f"{schema} tables differ from a full build: {differ}"


def test_the_backfill_crossed_the_code_change(backfilled: Settings) -> None:
    """The backfilled warehouse holds the register's versions and restates on them:
    the split community's new successor exists from CHANGE on and some event
    line was delivered with a grid code the change started (dbt's
    tests/restated_trends_conserve_totals.sql checks the restated trends; this
    test shows the range really crossed a change)."""
    import duckdb

    with duckdb.connect(str(backfilled.warehouse), read_only=True) as con:
        versions = con.execute(
            "select count(*) from marts.dim_community_version where change_id is not null "
            "and valid_from = ?",
            [CHANGE],
        ).fetchone()
        recoded = con.execute(
            """select count(*) from raw.sjlz as s
               inner join marts.dim_grid_version as v
                 on s.grid_code = v.grid_code and v.valid_from = ?""",
            [CHANGE],
        ).fetchone()
    assert versions and versions[0] >= 2, "no community version from the planted change"
    assert recoded and recoded[0] >= 1, "no event line with a grid code the change started"
