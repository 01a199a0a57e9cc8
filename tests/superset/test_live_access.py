"""Analysts query the marts in SQL Lab and nothing below them; bootstrap is idempotent."""

from __future__ import annotations

import sqlite3

import pytest

from tests.superset.api import SupersetClient
from tests.superset.conftest import DEMO_PASSWORD, SupersetServer, run_bootstrap


@pytest.fixture(scope="module")
def analyst(superset_server: SupersetServer) -> tuple[SupersetClient, int]:
    client = SupersetClient(superset_server.url, "analyst", DEMO_PASSWORD)
    (database,) = client.list_all("database")
    return client, database["id"]


def test_analyst_can_query_the_marts(analyst: tuple[SupersetClient, int]) -> None:
    client, database_id = analyst
    response = client.sql(database_id, "select count(*) as n from marts.rpt_event_closed_loop")
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["n"] > 0


@pytest.mark.parametrize(
    "sql",
    [
        "select * from raw.population",
        "select * from staging.stg_population",
        # Files and other databases: DuckDB's external access is off for this connection.
        "select * from read_parquet('/tmp/anything.parquet')",
        "attach '/tmp/zhiwang-warehouse.duckdb' as warehouse",
    ],
)
def test_raw_and_staging_are_not_reachable(analyst: tuple[SupersetClient, int], sql: str) -> None:
    client, database_id = analyst
    response = client.sql(database_id, sql)
    assert response.status_code >= 400, f"{sql!r} was allowed: {response.text[:200]}"
    assert "secret" not in response.text


def test_leaders_have_no_sql_lab(superset_server: SupersetServer) -> None:
    client = SupersetClient(superset_server.url, "district_leader", DEMO_PASSWORD)
    (database,) = client.list_all("database")
    response = client.sql(database["id"], "select 1 as one")
    assert response.status_code in (401, 403), response.text[:200]


def _inventory(home) -> dict[str, list]:
    with sqlite3.connect(home / "superset.db") as con:
        return {
            table: sorted(con.execute(f"select {cols} from {table}").fetchall())
            for table, cols in {
                "dashboards": "id, uuid, slug",
                "slices": "id, uuid",
                "tables": "id, uuid, table_name",
                "dbs": "id, uuid",
                "row_level_security_filters": "id, name, clause",
                "ab_user": "id, username",
                "ab_role": "id, name",
                "dashboard_slices": "dashboard_id, slice_id",
            }.items()
        }


def test_bootstrap_twice_changes_nothing(superset_server: SupersetServer) -> None:
    before = _inventory(superset_server.home)
    run_bootstrap(superset_server.env)
    after = _inventory(superset_server.home)
    assert after == before
    assert len(after["dashboards"]) == 6
    assert len(after["slices"]) == 30
