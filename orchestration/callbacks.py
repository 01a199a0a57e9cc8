"""Where a data engineer sees failures: one JSON line per failed task or missed deadline.

``ZHIWANG_FAILURES_PATH`` (default ``<var_dir>/ops/failures.jsonl``) sits beside the
warehouse and survives the Airflow metadata database; the Airflow UI still shows the
failed task too. Messages are truncated and carry exception text only (our code never puts
personal data into exception messages).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zhiwang.settings import Settings

log = logging.getLogger(__name__)


def failures_path(settings: Settings) -> Path:
    """The failure journal of this installation."""
    return settings.failures


def record_failure(settings: Settings, entry: dict[str, Any]) -> None:
    """Append one failure record (and log it at error level)."""
    path = failures_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    log.error("zhiwang failure recorded in %s: %s", path, entry)


def on_task_failure(context: Any) -> None:
    """Airflow ``on_failure_callback``: record which task of which run failed, and why."""
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    record_failure(
        Settings(),
        {
            "kind": "task_failed",
            "dag_id": getattr(ti, "dag_id", None),
            "task_id": getattr(ti, "task_id", None),
            "run_id": context.get("run_id"),
            "logical_date": context.get("logical_date"),
            "try_number": getattr(ti, "try_number", None),
            "error_type": type(error).__name__ if error else None,
            "error": str(error)[:1000] if error else None,
        },
    )


async def on_deadline_missed(**kwargs: Any) -> None:
    """Deadline callback (runs in the triggerer): the transform did not finish in time."""
    context = kwargs.get("context") or {}
    dag_run = context.get("dag_run") if isinstance(context, dict) else None
    record_failure(
        Settings(),
        {
            "kind": "deadline_missed",
            "dag_id": kwargs.get("dag_id") or getattr(dag_run, "dag_id", None),
            "run_id": getattr(dag_run, "run_id", None),
            "deadline": kwargs.get("deadline"),
        },
    )
