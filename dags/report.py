"""The weekly analysis brief, per street and for the district, from the serving copy.

Reads the published serving copy (not the warehouse), so it needs no slot in
the warehouse pool and never waits for a transform. Wiring only: the work is
in ``orchestration.brief``.
"""

from __future__ import annotations

from datetime import date, timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, task

from orchestration import dag_support as support
from orchestration.schedules import REPORT_CRON, REPORT_DAG_ID, TIMEZONE, WAREHOUSE_POOL


@dag(
    dag_id=REPORT_DAG_ID,
    schedule=CronTriggerTimetable(REPORT_CRON, timezone=TIMEZONE),
    start_date=support.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=support.DEFAULT_ARGS,
    params={
        "week_end": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Last day of the week reported (default: the day before the run).",
        )
    },
    tags=["zhiwang", "report"],
)
def weekly_brief() -> None:
    """HTML + PDF brief under <var_dir>/reports/<week_end>/, and the stewardship lists."""

    def week_end_of(context: dict) -> date:
        params = context["params"]
        return (
            date.fromisoformat(params["week_end"])
            if params.get("week_end")
            else context["logical_date"].in_timezone(TIMEZONE).date() - timedelta(days=1)
        )

    @task
    def build(**context: object) -> list[str]:
        from orchestration.brief import build_briefs

        week_end = week_end_of(context)
        settings = support.settings()
        out = settings.reports / week_end.isoformat()
        files = build_briefs(settings.serving, out, week_end, settings.disclosure_threshold)
        return [str(f.pdf) for f in files]

    # the internal queue lives in the warehouse (never in the serving copy)
    @task(pool=WAREHOUSE_POOL)
    def stewardship(**context: object) -> list[str]:
        from orchestration.stewardship import write_stewardship_csvs

        settings = support.settings()
        out = settings.reports / week_end_of(context).isoformat()
        return [str(p) for p in write_stewardship_csvs(settings.warehouse, out).values()]

    build()
    stewardship()


weekly_brief()
