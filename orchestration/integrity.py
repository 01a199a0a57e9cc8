"""Describe every DAG as JSON, for the DAG-integrity tests (run in ``envs/airflow``).

``python -m orchestration.integrity OUT.json`` loads ``dags/`` through a DagBag as the
dag-processor would and prints import errors, tasks, dependencies, schedules,
pools and asset wiring, so tests in the Airflow-free root environment can
assert on them.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from orchestration.runner import DAGS_FOLDER


def _uris(objs: Any) -> list[str]:
    return sorted(getattr(o, "uri", str(o)) for o in objs or [])


def _leaf_uris(condition: Any) -> list[str]:
    """Asset URIs under an AssetAny/AssetAll tree."""
    if hasattr(condition, "objects"):
        return [uri for child in condition.objects for uri in _leaf_uris(child)]
    return [condition.uri]


def describe() -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        timetable = dag.timetable
        asset_condition = getattr(timetable, "asset_condition", None)
        schedule_assets = sorted(_leaf_uris(asset_condition)) if asset_condition else []
        dags[dag_id] = {
            "fileloc": dag.fileloc,
            "timetable": type(timetable).__name__,
            "cron": getattr(timetable, "expression", None),
            "timezone": str(getattr(timetable, "timezone", "")),
            "schedule_assets": schedule_assets,
            "asset_condition": type(asset_condition).__name__ if asset_condition else None,
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "has_deadline": bool(getattr(dag, "deadline", None)),
            "tags": sorted(dag.tags),
            "tasks": {
                t.task_id: {
                    "upstream": sorted(t.upstream_task_ids),
                    "pool": t.pool,
                    "trigger_rule": str(getattr(t.trigger_rule, "value", t.trigger_rule)),
                    "retries": t.retries,
                    "exponential_backoff": bool(t.retry_exponential_backoff),
                    "on_failure_callback": bool(t.on_failure_callback),
                    "outlets": _uris(t.outlets),
                    "operator": type(t).__name__,
                }
                for t in dag.tasks
            },
        }
    return {
        "import_errors": {str(k): str(v)[-2000:] for k, v in bag.import_errors.items()},
        "parse_seconds": round(time.monotonic() - started, 2),
        "dags": dags,
    }


if __name__ == "__main__":
    # A file, not stdout: Airflow logs to stdout while it loads.
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(describe(), out, default=str)
