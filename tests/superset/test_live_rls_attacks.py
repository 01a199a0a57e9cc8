"""Row-level security holds against crafted chart requests (docs/SECURITY.md).

Replays the attack of issue 11 — as ``community_leader_baomin``, a
``/api/v1/chart/data`` request on a dashboard dataset with the custom SQL
metric ``count(*) FROM marts.dim_person UNION SELECT count(*)`` — and a
catalogue of variants, as the street and the community leader, in every
place a request can carry SQL. Layer 1 must refuse each; layer 2 is tested
on its own by running the same SQL through Superset's real connection path
for the scoped user (``Database.get_sqla_engine`` + ``DB_CONNECTION_MUTATOR``):
whatever runs finds only the scope's rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.superset.api import SupersetClient
from tests.superset.conftest import DEMO_PASSWORD, ENV_DIR, REPO, SupersetServer

sys.path.insert(0, str(REPO / "superset"))
from zhiwang_superset.exposures import dataset_sql

SECURITY = yaml.safe_load((REPO / "superset" / "security.yaml").read_text(encoding="utf-8"))
LEADERS = {
    "community_leader_baomin": ("community_code", "440306017001"),
    "street_leader_xinan": ("street_code", "440306017000"),
}
DATASET = "rpt_housing_by_community"  # on the housing dashboard; both leaders read it

ATTACKS = [
    # the reported attack and the set operations
    "count(*) FROM marts.dim_person UNION SELECT count(*)",
    "count(*) FROM marts.dim_person UNION ALL SELECT count(*)",
    "count(*) FROM marts.dim_person INTERSECT SELECT count(*)",
    "count(*) FROM marts.dim_person EXCEPT SELECT -1",
    "sum(tenants) FROM marts.rpt_housing_rental UNION SELECT sum(filed_tenant_count)",
    # other tables, subqueries, CTEs
    "(SELECT count(*) FROM marts.dim_person)",
    "count(*) FROM (SELECT * FROM marts.dim_person) UNION SELECT 1",
    "count(*) FROM t UNION WITH x AS (SELECT * FROM marts.dim_person) SELECT count(*) FROM x",
    "max(person_key)",
    "marts.dim_person.person_key",
    # comments and semicolons
    "count(*) -- ",
    "count(*) /* */ FROM marts.dim_person UNION SELECT count(*)",
    "count(*); SELECT count(*) FROM marts.dim_person",
    # table functions, catalogue, external files
    "count(*) FROM read_csv('/etc/passwd') UNION SELECT 1",
    "count(*) FROM read_parquet('var/warehouse/raw/*/*.parquet') UNION SELECT 1",
    "count(*) FROM information_schema.tables UNION SELECT 1",
    "count(*) FROM duckdb_tables() UNION SELECT 1",
    "query('SELECT count(*) FROM marts.dim_person')",
    "getenv('SUPERSET_SECRET_KEY')",
    # quoting tricks
    'count(*) FROM "marts"."dim_person" UNION SELECT count(*)',
    'count(*) FROM marts."dim_person"\nUNION SELECT count(*)',
    "count(*) FROM MARTS.DIM_PERSON UnIoN SeLeCt count(*)",
    "$$x$$",
    "{{ current_username() }}",
    "count(*) FROM t UNION ATTACH 'var/warehouse/zhiwang.duckdb' AS wh",
]


def _dataset_id(client: SupersetClient) -> int:
    found = [d for d in client.list_all("dataset") if d["table_name"] == DATASET]
    assert len(found) == 1, f"{DATASET} not visible"
    return found[0]["id"]


def _payload(dataset_id: int, query: dict) -> dict:
    base = {"columns": ["community_code"], "metrics": ["tenants"], "row_limit": 100}
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,
        "queries": [{**base, **query}],
        "result_format": "json",
        "result_type": "full",
    }


def _placements(sql: str) -> dict[str, dict]:
    """Every place a chart-data request can carry SQL."""
    adhoc = {"expressionType": "SQL", "sqlExpression": sql, "label": "x"}
    return {
        "metric": {"metrics": [adhoc]},
        "column": {"columns": [{**adhoc, "columnType": "BASE_AXIS"}]},
        "string column": {"columns": [sql]},
        "orderby": {"orderby": [[adhoc, False]]},
        "where": {"extras": {"where": sql}},
        "having": {"extras": {"having": sql}},
        "filter col": {"filters": [{"col": sql, "op": "IS NOT NULL"}]},
    }


@pytest.fixture(scope="module")
def leaders(superset_server: SupersetServer) -> dict[str, tuple[SupersetClient, int]]:
    out = {}
    for username in LEADERS:
        client = SupersetClient(superset_server.url, username, DEMO_PASSWORD)
        out[username] = (client, _dataset_id(client))
    return out


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_a_plain_request_works_and_stays_in_scope(leaders, username: str) -> None:
    """The control: the request shape is valid, so the refusals below are real."""
    client, dataset_id = leaders[username]
    column, code = LEADERS[username]
    response = client.post("/api/v1/chart/data", _payload(dataset_id, {"columns": [column]}))
    assert response.status_code == 200, response.text[:300]
    rows = response.json()["result"][0]["data"]
    assert rows and {row[column] for row in rows} == {code}
    # An ad-hoc SQL metric over the dataset's own columns is still allowed.
    metric = {"expressionType": "SQL", "sqlExpression": "SUM(tenants) * 1.0", "label": "t"}
    response = client.post("/api/v1/chart/data", _payload(dataset_id, {"metrics": [metric]}))
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("username", sorted(LEADERS))
@pytest.mark.parametrize("attack", ATTACKS)
def test_free_sql_in_a_chart_request_is_refused(leaders, username: str, attack: str) -> None:
    client, dataset_id = leaders[username]
    for place, query in _placements(attack).items():
        response = client.post("/api/v1/chart/data", _payload(dataset_id, query))
        assert response.status_code in (400, 403, 422), (
            f"{username}: {attack!r} as {place} answered {response.status_code}: "
            f"{response.text[:300]}"
        )


def test_the_reported_attack_is_refused_by_layer_one(leaders) -> None:
    client, dataset_id = leaders["community_leader_baomin"]
    metric = {
        "expressionType": "SQL",
        "sqlExpression": "count(*) FROM marts.dim_person UNION SELECT count(*)",
        "label": "n",
    }
    response = client.post("/api/v1/chart/data", _payload(dataset_id, {"metrics": [metric]}))
    assert response.status_code == 403, response.text[:300]
    assert "Custom SQL in charts is limited" in response.text


# --- layer 2: the scoped user's connection ------------------------------------

LAYER2_SCRIPT = r"""
import json, sys
from flask import g
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db, security_manager
    from superset.models.core import Database
    g.user = security_manager.find_user(username=sys.argv[1])
    database = db.session.query(Database).filter_by(database_name="zhiwang_serving").one()
    out = {}
    for sql in json.loads(sys.argv[2]):
        try:
            with database.get_sqla_engine() as engine:
                with engine.connect() as con:
                    out[sql] = {"rows": [list(map(str, r)) for r in con.execute(sql).fetchall()]}
        except Exception as err:
            out[sql] = {"error": type(err).__name__ + ": " + str(err)[:200]}
    print("RESULT " + json.dumps(out))
"""


def _through_superset(server: SupersetServer, username: str, statements: list[str]) -> dict:
    python = ENV_DIR / ".venv" / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-c", LAYER2_SCRIPT, username, json.dumps(statements)],
        env=server.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"layer-2 probe failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_layer_two_the_scoped_connection_holds_only_the_scope(
    superset_server: SupersetServer, username: str
) -> None:
    column, code = LEADERS[username]
    build = superset_server.build
    parquet = next(build.raw_dir.rglob("*.parquet"))
    refused = [
        "select count(*) from marts.dim_person",
        "select count(*) from marts.fct_contributions",
        "select count(*) from internal.fct_contributions",
        "select count(*) from marts.rpt_cross_checks",
        "select count(*) from marts.rpt_quality_quarantine",
        "select count(*) from marts.fct_hotline_ticket",
        "select count(*) from internal.fct_hotline_ticket",
        f"select count(*) from read_parquet('{parquet}')",
        f"attach '{build.warehouse}' as wh (read_only)",
        f"attach '{superset_server.serving_path}' as full_copy (read_only)",
    ]
    in_scope_probes = [
        f"select distinct {column} from marts.fct_event",
        f"select distinct {column} from marts.rpt_housing_rental",
        f"select distinct {column} from marts.rpt_social_security",
        f"select distinct {column} from marts.rpt_cross_check_counts",
        f"select distinct {column} from marts.rpt_social_assistance",
        f"select distinct {column} from marts.rpt_hotline_tickets",
        f"select distinct {column} from marts.rpt_planning_facilities",
        f"select distinct {column} from marts.rpt_planning_shortfall_map",
        # a community scope holds no indicator row (none is measured per community)
        "select distinct street_code from marts.rpt_planning_attainment"
        if column == "street_code"
        else "select distinct community_code from marts.rpt_planning_attainment",
    ]
    catalogue = [
        "select distinct table_name from information_schema.tables",
        "select distinct table_name from duckdb_tables()",
    ]
    union = "select count(*) from marts.fct_event union select count(*) from marts.fct_event"
    results = _through_superset(
        superset_server, username, refused + in_scope_probes + catalogue + [union]
    )
    for sql in refused:
        assert "error" in results[sql], f"{username}: {sql!r} answered {results[sql]}"
    for sql in in_scope_probes:
        assert "rows" in results[sql], f"{sql!r}: {results[sql]}"
        assert {r[0] for r in results[sql]["rows"]} <= {code}, f"{sql!r}: {results[sql]}"
    tables = {r[0] for r in results[catalogue[0]]["rows"]}
    assert tables == set(SECURITY["scoped_marts"]) | {"_published"}
    assert {r[0] for r in results[catalogue[1]]["rows"]} == tables
    with duckdb.connect(str(superset_server.serving_path), read_only=True) as con:
        (in_scope,) = con.execute(
            f"select count(*) from marts.fct_event where {column} = ?", [code]
        ).fetchone()
        (district,) = con.execute("select count(*) from marts.fct_event").fetchone()
    assert in_scope < district
    assert {int(r[0]) for r in results[union]["rows"]} == {in_scope}


def test_layer_two_district_users_read_the_full_copy(superset_server: SupersetServer) -> None:
    results = _through_superset(
        superset_server, "district_leader", ["select count(*) from marts.dim_person"]
    )
    assert "rows" in results["select count(*) from marts.dim_person"]


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_every_geo_dataset_answers_the_same_from_the_scoped_copy(
    superset_server: SupersetServer, username: str
) -> None:
    """Layer 2 changes no dashboard number: each geo dataset's SQL on the scope's file
    gives exactly the rows RLS lets through from the full copy."""
    column, code = LEADERS[username]
    role = f"zhiwang_scope_{column.removesuffix('_code')}_{code}"
    serving = superset_server.serving_path
    scoped = serving.parent / "scopes" / role / serving.name
    assert scoped.is_file(), "the publish wrote no scoped copy"
    datasets = {
        d["table_name"]: d
        for d in (
            yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in (REPO / "superset" / "assets" / "datasets").rglob("*.yaml")
        )
    }
    checked = 0
    with (
        duckdb.connect(str(superset_server.serving_path), read_only=True) as full,
        duckdb.connect(str(scoped), read_only=True) as mine,
    ):
        for name in SECURITY["geo_datasets"]:
            sql = f"select * from ({dataset_sql(datasets[name])}) where {column} = '{code}'"
            expected = sorted(map(repr, full.execute(sql).fetchall()))
            assert sorted(map(repr, mine.execute(sql).fetchall())) == expected, name
            checked += bool(expected)
    assert checked >= 3


def test_another_streets_scope_holds_none_of_xinans_rows(
    superset_server: SupersetServer, tmp_path: Path
) -> None:
    """Layer 2 the other way round: the scope file a 西乡 street leader would get holds
    none of 新安's rows in any scoped mart (hotline, planning and the rest), while it
    does hold 西乡's own hotline tickets, facilities, indicators and shortfalls."""
    from orchestration.scoped_serving import publish_scopes

    xixiang, xinan_prefix = "440306018000", "440306017"
    spec = {**SECURITY, "users": [{"username": "street_leader_xixiang", "street_code": xixiang}]}
    serving = tmp_path / superset_server.serving_path.name
    (path,) = publish_scopes(superset_server.serving_path, serving, spec).values()
    with duckdb.connect(path, read_only=True) as con:
        for table in SECURITY["scoped_marts"]:
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_name = ?",
                    [table],
                ).fetchall()
            }
            for column in {"street_code", "community_code", "grid_code", "unit_code"} & columns:
                (leaked,) = con.execute(
                    f'select count(*) from marts."{table}" where {column} like ?',
                    [xinan_prefix + "%"],
                ).fetchone()
                assert leaked == 0, f"{table}.{column}: {leaked} rows of 新安 in 西乡's scope"
        for table in ("rpt_hotline_tickets", "rpt_planning_facilities",
                      "rpt_planning_attainment", "rpt_planning_shortfall_map"):  # fmt: skip
            (own,) = con.execute(
                f"select count(*) from marts.{table} where street_code = ?", [xixiang]
            ).fetchone()
            assert own > 0, f"{table}: none of 西乡's rows in its scope"
