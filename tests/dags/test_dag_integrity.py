"""Every DAG imports in the Airflow environment, with the expected tasks, schedules and assets.

The DAGs are loaded by a DagBag inside ``envs/airflow`` (Airflow cannot live in
the root environment) by ``orchestration.integrity``, which describes them as
JSON for these assertions.
"""

from __future__ import annotations

import json
import subprocess
from graphlib import TopologicalSorter
from pathlib import Path

import pytest

from orchestration.schedules import (
    FEED_DAGS,
    REPORT_CRON,
    REPORT_DAG_ID,
    SERVING_ASSET_URI,
    TIMEZONE,
    TRANSFORM_DAG_ID,
    WAREHOUSE_POOL,
)

# Tasks that open the DuckDB warehouse file: each must hold the single pool slot.
WAREHOUSE_TASKS = {"ingest", "validate", "dbt_build", "validate_marts", "publish"}


@pytest.fixture(scope="module")
def described(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from orchestration.runner import airflow_environ, ensure_airflow_env
    from zhiwang.settings import Settings

    var = tmp_path_factory.mktemp("integrity-var")
    python = ensure_airflow_env()
    out = var / "dags.json"
    proc = subprocess.run(
        [str(python), "-m", "orchestration.integrity", str(out)],
        env=airflow_environ(Settings(var_dir=var)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(Path(out).read_text())


def test_every_dag_file_imports_without_errors(described: dict) -> None:
    assert described["import_errors"] == {}


def test_the_expected_dags_exist(described: dict) -> None:
    expected = {spec.dag_id for spec in FEED_DAGS} | {TRANSFORM_DAG_ID, REPORT_DAG_ID}
    assert set(described["dags"]) == expected


def test_no_dag_has_a_cycle(described: dict) -> None:
    for dag_id, dag in described["dags"].items():
        graph = {task: set(info["upstream"]) for task, info in dag["tasks"].items()}
        order = list(TopologicalSorter(graph).static_order())  # raises CycleError
        assert set(order) == set(graph), dag_id


@pytest.mark.parametrize("spec", FEED_DAGS, ids=lambda s: s.dag_id)
def test_feed_dag_waits_ingests_validates_then_emits_its_asset(described: dict, spec) -> None:
    dag = described["dags"][spec.dag_id]
    assert dag["timetable"] == "CronDataIntervalTimetable"
    assert (dag["cron"], dag["timezone"]) == (spec.cron, TIMEZONE)
    assert dag["catchup"] is False and dag["max_active_runs"] == 1
    tasks = dag["tasks"]
    assert set(tasks) == {"wait_for_delivery", "ingest", "validate", "emit_asset"}
    assert tasks["wait_for_delivery"]["upstream"] == []
    assert "wait_for_delivery" in tasks["ingest"]["upstream"]
    assert "ingest" in tasks["validate"]["upstream"]
    assert "validate" in tasks["emit_asset"]["upstream"]
    assert tasks["emit_asset"]["outlets"] == [spec.asset_uri]
    assert all(not t["outlets"] for name, t in tasks.items() if name != "emit_asset")


def test_cadences_follow_the_delivery_contracts(described: dict) -> None:
    crons = {d: described["dags"][d]["cron"] for d in described["dags"]}
    assert crons["ingest_population"] == crons["ingest_entities"] == "0 0 * * *"
    assert crons["ingest_social_security"] == "0 0 * * *"
    assert crons["ingest_social_security_contributions"] == "0 0 1 * *"
    assert crons["ingest_facilities"] == "0 0 1 * *"  # monthly snapshot
    assert crons["ingest_housing"] == "0 0 * * 1"
    assert crons["ingest_events"] == "0 * * * *"


def test_transform_is_scheduled_on_every_feed_asset_and_publishes_serving(described: dict) -> None:
    dag = described["dags"][TRANSFORM_DAG_ID]
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert dag["asset_condition"] == "AssetAny"
    assert dag["schedule_assets"] == sorted(spec.asset_uri for spec in FEED_DAGS)
    assert dag["has_deadline"] is True
    tasks = dag["tasks"]
    assert tasks["validate_marts"]["upstream"] == ["dbt_build"]
    assert tasks["publish"]["upstream"] == ["validate_marts"]
    assert tasks["publish"]["outlets"] == [SERVING_ASSET_URI]
    # Data Docs rendered once per run, after the gate whether it passed or blocked
    assert tasks["data_docs"]["upstream"] == ["validate_marts"]
    assert tasks["data_docs"]["trigger_rule"] == "all_done"
    assert tasks["data_docs"]["pool"] == WAREHOUSE_POOL
    assert tasks["publish"]["trigger_rule"] == "all_success"


def test_report_dag_runs_weekly(described: dict) -> None:
    dag = described["dags"][REPORT_DAG_ID]
    assert (dag["timetable"], dag["cron"], dag["timezone"]) == (
        "CronTriggerTimetable",
        REPORT_CRON,
        TIMEZONE,
    )


def test_warehouse_tasks_share_the_single_writer_pool(described: dict) -> None:
    seen = set()
    for dag in described["dags"].values():
        for name, task in dag["tasks"].items():
            if name in WAREHOUSE_TASKS:
                seen.add(name)
                assert task["pool"] == WAREHOUSE_POOL, name
    assert seen == WAREHOUSE_TASKS


def test_every_task_retries_with_backoff_and_records_failures(described: dict) -> None:
    for dag in described["dags"].values():
        for task in dag["tasks"].values():
            assert task["retries"] >= 1
            assert task["exponential_backoff"] is True
            assert task["on_failure_callback"] is True
