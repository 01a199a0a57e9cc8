"""Analysts query the marts in SQL Lab and nothing below them; bootstrap is idempotent."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from tests.superset.api import SupersetClient
from tests.superset.conftest import DEMO_PASSWORD, SupersetServer, run_bootstrap
from tests.superset.test_assets import ASSETS


@pytest.fixture(scope="module")
def analyst(superset_server: SupersetServer) -> tuple[SupersetClient, int]:
    client = SupersetClient(superset_server.url, "analyst", DEMO_PASSWORD)
    (database,) = client.list_all("database")
    return client, database["id"]


def test_analyst_can_query_the_marts(analyst: tuple[SupersetClient, int]) -> None:
    client, database_id = analyst
    response = client.sql(database_id, "select count(*) as n from marts.rpt_event_performance")
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["n"] > 0


def test_serving_copy_holds_only_the_marts(superset_server: SupersetServer) -> None:
    with duckdb.connect(str(superset_server.serving_path), read_only=True) as con:
        schemas = {
            row[0]
            for row in con.execute(
                "select distinct table_schema from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
        }
    assert schemas == {"marts"}


def test_superset_lists_no_schema_below_the_marts(superset_server: SupersetServer) -> None:
    # The admin sees every schema the connection can reach.
    client = SupersetClient(superset_server.url, "admin", DEMO_PASSWORD)
    (database,) = client.list_all("database")
    response = client.get(f"/api/v1/database/{database['id']}/schemas/")
    assert response.status_code == 200, response.text[:200]
    listed = {s.rsplit(".", 1)[-1] for s in response.json()["result"]}
    assert "marts" in listed
    assert not listed & {"raw", "staging", "intermediate", "internal", "audit", "dq"}, listed


def _below_the_marts(build) -> list[str]:
    """Statements reaching the real warehouse's raw and staging layers from SQL Lab."""
    parquet = next(build.raw_dir.rglob("*.parquet"))
    return [
        "select * from raw.ga_rkxx",
        "select * from staging.stg_population__register_records",
        # The warehouse file and the raw Parquet files exist on this machine: DuckDB's
        # external access is off for Superset's connection, so neither can be opened.
        f"select * from read_parquet('{parquet}')",
        f"attach '{build.warehouse}' as warehouse (read_only)",
        f"select * from '{parquet}'",
    ]


def test_raw_and_staging_are_not_reachable(
    superset_server: SupersetServer, analyst: tuple[SupersetClient, int]
) -> None:
    client, database_id = analyst
    build = superset_server.build
    # The statements are real: the warehouse answers them outside Superset.
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.ga_rkxx").fetchall()[0][0] > 0
    for sql in _below_the_marts(build):
        response = client.sql(database_id, sql)
        assert response.status_code >= 400, f"{sql!r} was allowed: {response.text[:200]}"


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
    assert len(after["dashboards"]) == len(list((ASSETS / "dashboards").glob("*.yaml")))
    assert len(after["slices"]) == len(list((ASSETS / "charts").glob("*.yaml")))
