"""One ingest DAG per feed, on the feed's delivery cadence (orchestration/schedules.py).

Each run waits for the delivery's ``_SUCCESS``, ingests it, runs the quality
gates and, only if no gate blocks, emits the feed's Asset, which schedules the
transform DAG. Wiring only: the work is in ``orchestration.service``.
"""

from __future__ import annotations

from datetime import date, timedelta

from airflow.sdk import Asset, CronDataIntervalTimetable, PokeReturnValue, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from orchestration import dag_support as support
from orchestration.schedules import FEED_DAGS, TIMEZONE, WAREHOUSE_POOL, FeedDag

# How long a run waits for a late delivery before failing (and alerting).
SENSOR_TIMEOUT = {
    "hourly": timedelta(hours=2),
    "daily": timedelta(hours=12),
    "weekly": timedelta(days=2),
    "monthly": timedelta(days=10),
}


def build_feed_dag(spec: FeedDag) -> None:
    asset = Asset(spec.asset_uri, group="raw", extra={"feed": spec.feed})

    @dag(
        dag_id=spec.dag_id,
        description=spec.description,
        doc_md=f"**{spec.feed}** ({spec.cadence}). {spec.description}",
        schedule=CronDataIntervalTimetable(spec.cron, timezone=TIMEZONE),
        start_date=support.START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=support.DEFAULT_ARGS,
        params=support.FEED_PARAMS,
        tags=["zhiwang", "ingest", spec.feed, spec.cadence],
    )
    def feed_dag() -> None:
        @task.sensor(
            poke_interval=15 * 60,
            timeout=SENSOR_TIMEOUT[spec.cadence].total_seconds(),
            mode="reschedule",
        )
        def wait_for_delivery(**context: object) -> PokeReturnValue:
            from orchestration.service import complete_deliveries

            dates = support.run_dates(context)
            done = complete_deliveries(support.settings(), spec.feed, dates, spec.file_prefix)
            if done:
                return PokeReturnValue(is_done=True, xcom_value=[d.isoformat() for d in done])
            if not context["params"]["wait"]:
                raise AirflowSkipException(f"no complete {spec.feed} delivery in {dates}")
            return PokeReturnValue(is_done=False)

        @task(pool=WAREHOUSE_POOL)
        def ingest(dates: list[str]) -> dict:
            from orchestration.service import ingest_deliveries

            days = [date.fromisoformat(d) for d in dates]
            return ingest_deliveries(support.settings(), spec.feed, days)

        @task(pool=WAREHOUSE_POOL)
        @support.quality_gate
        def validate(dates: list[str], ingested: dict) -> dict:
            from orchestration.service import validate_deliveries

            days = [date.fromisoformat(d) for d in dates]
            return validate_deliveries(support.settings(), spec.feed, days)

        @task(outlets=[asset])
        def emit_asset(dates: list[str], gates: dict, **context: object) -> list[str]:
            context["outlet_events"][asset].extra = {"feed": spec.feed, "delivery_dates": dates}
            return dates

        dates = wait_for_delivery()
        ingested = ingest(dates)
        emit_asset(dates, validate(dates, ingested))

    feed_dag()


for _spec in FEED_DAGS:
    build_feed_dag(_spec)
