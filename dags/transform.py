"""Transform: dbt build on any fresh feed, validate the marts, publish the serving copy.

Scheduled on the feed Assets (any one of them: the marts are rebuilt whenever
a feed has new, unblocked data). dbt runs as ONE ``dbt build`` task rather
than one task per model (Cosmos): every model writes the same DuckDB file, so
per-model tasks could only run one at a time anyway and would each pay dbt's
≈10 s start-up and parse. The publish swaps in the serving copy atomically.
"""

from __future__ import annotations

import functools
import operator
from datetime import timedelta

from airflow.sdk import Asset, TriggerRule, dag, task
from airflow.sdk.definitions.deadline import AsyncCallback, DeadlineAlert, DeadlineReference

from orchestration import dag_support as support
from orchestration.callbacks import on_deadline_missed
from orchestration.schedules import (
    FEED_DAGS,
    SERVING_ASSET_URI,
    TRANSFORM_DAG_ID,
    TRANSFORM_DEADLINE,
    WAREHOUSE_POOL,
)

feed_assets = [Asset(spec.asset_uri, group="raw") for spec in FEED_DAGS]
serving = Asset(SERVING_ASSET_URI, group="serving")


@dag(
    dag_id=TRANSFORM_DAG_ID,
    schedule=functools.reduce(operator.or_, feed_assets),
    start_date=support.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=support.DEFAULT_ARGS,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=TRANSFORM_DEADLINE,
        callback=AsyncCallback(on_deadline_missed),
    ),
    tags=["zhiwang", "transform", "dbt"],
)
def transform_marts() -> None:
    """dbt build → marts quality gates → atomic publish of the serving copy (+ Data Docs)."""

    @task(pool=WAREHOUSE_POOL, execution_timeout=timedelta(hours=1))
    @support.quality_gate  # failed dbt data tests block without retries
    def dbt_build() -> dict:
        from orchestration.service import run_dbt_build

        return run_dbt_build(support.settings())

    @task(pool=WAREHOUSE_POOL)
    @support.quality_gate
    def validate_marts(built: dict) -> dict:
        from orchestration.service import validate_marts as run_gates

        return run_gates(support.settings())

    @task(pool=WAREHOUSE_POOL, outlets=[serving])
    def publish(gates: dict, **context: object) -> dict:
        from orchestration.publish import publish_serving

        result = publish_serving(support.settings(), run_label=str(context["run_id"]))
        context["outlet_events"][serving].extra = {"tables": len(result["tables"])}
        return result

    # Rendered once per run from every stored result, also when the gate blocked
    # (the docs show why); the feed DAGs' gates validate without rendering.
    @task(pool=WAREHOUSE_POOL, trigger_rule=TriggerRule.ALL_DONE)
    def data_docs() -> dict:
        from orchestration.service import build_data_docs

        return build_data_docs(support.settings())

    gates = validate_marts(dbt_build())
    publish(gates)
    gates >> data_docs()


transform_marts()
