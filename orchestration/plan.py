"""Which DAG runs a catch-up over a range of delivery dates consists of, in order.

What the scheduler would have run by the end of the range, as explicit runs:
for each date, the daily and hourly feed DAGs for that date, then the
transform; a weekly or monthly feed DAG runs once per period, at the first
date of the period in the range, over the period's dates in the range (its
deliveries are past, complete or not, so a catch-up need not wait for the
period's end); the weekly brief at the end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from orchestration.schedules import (
    FEED_DAGS,
    REPORT_DAG_ID,
    TRANSFORM_DAG_ID,
    TZ,
    FeedDag,
    date_range,
)


@dataclass(frozen=True)
class PlannedRun:
    dag_id: str
    logical_date: str  # ISO datetime with offset
    step: str  # the delivery date whose step this run belongs to
    role: str  # feed | transform | report
    conf: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _local_midnight(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=TZ).isoformat()


def _period_start(spec: FeedDag, day: date) -> date:
    if spec.cadence == "weekly":
        return day - timedelta(days=day.weekday())
    if spec.cadence == "monthly":
        return day.replace(day=1)
    return day


def _period_end(spec: FeedDag, start: date) -> date:
    if spec.cadence == "weekly":
        return start + timedelta(days=6)
    if spec.cadence == "monthly":
        nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)
    return start


def plan_runs(start: date, days: int) -> list[PlannedRun]:
    """The runs of a catch-up over ``start .. start+days-1``, in execution order."""
    last = start + timedelta(days=days - 1)
    runs: list[PlannedRun] = []
    for day in date_range(start, last):
        for spec in FEED_DAGS:
            period = _period_start(spec, day)
            if day != max(period, start):
                continue  # a weekly/monthly DAG runs once, at its period's first date in range
            to = min(_period_end(spec, period), last)
            runs.append(
                PlannedRun(
                    dag_id=spec.dag_id,
                    logical_date=_local_midnight(period),
                    step=day.isoformat(),
                    role="feed",
                    # Past deliveries: an incomplete one is skipped, not waited for.
                    conf={"from_date": day.isoformat(), "to_date": to.isoformat(), "wait": False},
                )
            )
        runs.append(
            PlannedRun(TRANSFORM_DAG_ID, _local_midnight(day), day.isoformat(), "transform")
        )
    week_end = last
    runs.append(
        PlannedRun(
            REPORT_DAG_ID,
            _local_midnight(last + timedelta(days=1)),
            last.isoformat(),
            "report",
            conf={"week_end": week_end.isoformat()},
        )
    )
    return runs
