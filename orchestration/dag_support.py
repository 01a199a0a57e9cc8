"""Shared Airflow glue for the DAG files: defaults, run windows, error translation.

Imported only by ``dags/`` (Airflow environment); the logic stays in the
Airflow-free modules beside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

import pendulum
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

from orchestration.callbacks import on_task_failure
from orchestration.schedules import TIMEZONE, delivery_dates
from orchestration.service import DeliveryBlockedError
from zhiwang.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

# Fixed, in the past, local midnight: schedules line up with delivery dates.
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-engineering",
    # Infrastructure hiccups (a held lock, a full disk being cleaned) retry with
    # backoff; data problems raise AirflowFailException and never retry.
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "on_failure_callback": on_task_failure,
}

FEED_PARAMS: dict[str, Param] = {
    "from_date": Param(
        None,
        type=["null", "string"],
        format="date",
        description="Override the data interval: first delivery date (YYYY-MM-DD).",
    ),
    "to_date": Param(
        None,
        type=["null", "string"],
        format="date",
        description="Override the data interval: last delivery date, inclusive.",
    ),
    "wait": Param(
        True,
        type="boolean",
        description="Wait for _SUCCESS (default); false: skip at once if the delivery is "
        "incomplete (catch-up runs over old dates).",
    ),
}


def settings() -> Settings:
    """Settings from the task's environment (``ZHIWANG_*``)."""
    return Settings()


def run_dates(context: dict[str, Any]) -> list[date]:
    """The delivery dates a run covers: the params' override, else its data interval."""
    params = context["params"]
    if params.get("from_date"):
        first = date.fromisoformat(params["from_date"])
        last = date.fromisoformat(params.get("to_date") or params["from_date"])
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    start, end = context["data_interval_start"], context["data_interval_end"]
    if start is None or end is None:
        raise AirflowFailException("no data interval and no from_date param: nothing to load")
    return delivery_dates(start, end)


def quality_gate(fn: Callable[P, R]) -> Callable[P, R]:
    """A blocked delivery fails the task at once, without retries."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DeliveryBlockedError as err:
            raise AirflowFailException(str(err)) from err

    return wrapper
