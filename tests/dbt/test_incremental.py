"""A daily delivery updates the incremental facts; a full refresh agrees."""

from __future__ import annotations

from pathlib import Path

from tests.dbt.dbt_helpers import build, query
from tests.dbt.raw_fixture import D1, deliver, write_warehouse

INCREMENTAL = {
    "fct_event": "event_id",
    "fct_event_transitions": "transition_id",
    "fct_contributions": "contribution_key",
}


def _contents(warehouse: Path) -> dict[str, list[tuple]]:
    return {
        table: query(warehouse, f"select * from marts.{table} order by {key}")
        for table, key in INCREMENTAL.items()
    }


def test_daily_delivery_then_full_refresh_give_identical_facts(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, up_to=D1)
    build(warehouse, tmp_path)
    first_day = _contents(warehouse)

    deliver(warehouse, after=D1)
    build(warehouse, tmp_path, "--select", "+fct_event+", "+fct_contributions+")
    incremental = _contents(warehouse)
    # the second day changed the facts (late event states, a corrected month)
    assert incremental["fct_event"] != first_day["fct_event"]
    assert incremental["fct_contributions"] != first_day["fct_contributions"]

    build(warehouse, tmp_path, "--select", "+fct_event+", "+fct_contributions+", "--full-refresh")
    assert _contents(warehouse) == incremental
