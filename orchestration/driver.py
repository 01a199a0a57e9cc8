"""Runs a plan of DAG runs inside the Airflow environment (``envs/airflow``).

Started by ``orchestration.runner`` as ``python -m orchestration.driver PLAN RESULTS``.
Each run is a real Airflow DAG run (``DAG.test``: the same code path as
``airflow dags test``): a DagRun and task instances in the metadata database,
XComs, asset events, callbacks, retries. It executes the tasks in this
process instead of through a scheduler, which is why the asset-triggered
transform is started explicitly here, right after the feed runs of its date
(and only if one of them emitted its asset, as the scheduler would).

Appends one JSON line per finished run to RESULTS (Airflow's own task logs
go to stdout/stderr, which the runner keeps in a log file).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

EMBEDDED_RETRY_DELAY = timedelta(seconds=3)
EMBEDDED_MAX_RETRY_DELAY = timedelta(seconds=10)


def _ensure_pool() -> None:
    from airflow.models.pool import Pool

    from orchestration.schedules import WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS

    Pool.create_or_update_pool(
        WAREHOUSE_POOL,
        slots=WAREHOUSE_POOL_SLOTS,
        description="One writer on the DuckDB warehouse file at a time",
        include_deferred=False,
    )


def _task_states(dag_run: object) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)  # type: ignore[attr-defined]
        return {ti.task_id: str(ti.state) for ti in tis}


def main(plan_path: str, results_path: str) -> int:
    from airflow.dag_processing.dagbag import DagBag

    from orchestration.schedules import FEED_DAGS

    plan = json.loads(Path(plan_path).read_text())
    results = Path(results_path)

    def report(record: dict) -> None:
        # Appended and closed per run: the runner polls the file while we work.
        with results.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    _ensure_pool()
    bag = DagBag(dag_folder=None)
    if bag.import_errors:
        report({"error": "import_errors", "files": list(bag.import_errors)})
        return 2
    feed_ids = {spec.dag_id for spec in FEED_DAGS}
    emitted: dict[str, bool] = {}
    failed = 0
    for run in plan:
        step = run["step"]
        if run["role"] == "transform" and not emitted.get(step):
            report({**run, "state": "not_triggered"})
            continue
        dag = bag.get_dag(run["dag_id"])
        # DAG.test in Airflow 3.3 fails when the finished run looks up its deadline
        # alerts (it passes the serialised alert, not its id, to the database).
        # Deadlines are the scheduler's business and cannot fire in an in-process
        # run anyway, so this run goes without; the scheduler keeps them.
        dag.deadline = None
        # Retries stay (count and backoff), but an in-process catch-up does not sit
        # 30 s, 60 s … between them: production keeps DEFAULT_ARGS' delays.
        for task in dag.tasks:
            task.retry_delay = EMBEDDED_RETRY_DELAY
            task.max_retry_delay = EMBEDDED_MAX_RETRY_DELAY
        started = datetime.now()
        dag_run = dag.test(
            logical_date=datetime.fromisoformat(run["logical_date"]), run_conf=run["conf"] or None
        )
        states = _task_states(dag_run)
        state = str(dag_run.state)
        if run["dag_id"] in feed_ids and states.get("emit_asset") == "success":
            emitted[step] = True
        failed += state != "success"
        report(
            {
                **run,
                "run_id": dag_run.run_id,
                "state": state,
                "tasks": states,
                "seconds": round((datetime.now() - started).total_seconds(), 1),
            }
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
