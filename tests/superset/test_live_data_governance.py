"""数据治理（一数一源）: the district data office's page (issue 16 items 1 and 3).

The data office (and the district leader) open it in Debian's chromium and see
the stewardship queue's real numbers from the serving copy, and the geography
with history (docs/GEOGRAPHY.md) of the change the serving build plants
(tests/superset/build_serving.py): the register of changes, the code versions,
the rows still delivered with a retired code and the changed communities'
trends on today's boundaries beside those of the time. The street and the
community leader neither list nor open it, and a crafted request for its
charts or datasets is refused, as in ``test_live_rls_attacks.py``. Their scope
files hold none of its tables (layer 2).
"""

from __future__ import annotations

import datetime

import duckdb
import pytest
from playwright.sync_api import Browser

from tests.superset.api import SupersetClient
from tests.superset.conftest import DEMO_PASSWORD, OUTPUT_DIR, SupersetServer
from tests.superset.test_live_dashboards import (  # noqa: F401  (the browser fixture)
    browser,
    dashboards,
    logged_in_page,
    render_dashboard,
)
from tests.superset.test_live_rls_attacks import LEADERS, _through_superset

SLUG = "data-governance"
GEOGRAPHY_DATASETS = (
    "rpt_geography_register",
    "rpt_geography_versions",
    "rpt_geography_late_codes",
    "rpt_geography_restated_trend",
)
DATASETS = ("rpt_stewardship_counts", "rpt_stewardship_open_items", *GEOGRAPHY_DATASETS)
OPEN, ITEMS = "待处理不一致", "待处理清单（法人、房屋）"
REGISTER, VERSIONS, LATE = (
    "区划调整登记（社区与网格）",
    "社区与网格代码版本",
    "调整后仍使用旧代码的交付",
)
COMMUNITIES, RETIRED, LATE_CODES = "现行社区数", "已停用代码", "仍在交付的已停用代码"
POPULATION_TREND = "调整社区实际管理人口：现行边界与当时边界"
EVENT_TREND = "调整社区事件量：现行边界与当时边界"
GEOGRAPHY_CHARTS = (REGISTER, VERSIONS, LATE, COMMUNITIES, RETIRED, LATE_CODES,
                    POPULATION_TREND, EVENT_TREND)  # fmt: skip


@pytest.fixture(scope="module")
def data_office(superset_server: SupersetServer) -> SupersetClient:
    return SupersetClient(superset_server.url, "data_office", DEMO_PASSWORD)


def _chart(client: SupersetClient, name: str) -> dict:
    return next(c for c in client.list_all("chart") if c["slice_name"] == name)


def _month(value: object) -> datetime.date:
    """A month as Superset returns it: epoch milliseconds (UTC) or an ISO string."""
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC).date()
    return datetime.date.fromisoformat(str(value)[:10])


def _serving(server: SupersetServer, sql: str) -> list[tuple]:
    with duckdb.connect(str(server.serving_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_data_office_sees_its_pages_and_no_other(data_office: SupersetClient) -> None:
    visible = {d["slug"] for d in data_office.list_all("dashboard")}
    assert visible == {SLUG, "data-quality"}
    datasets = {d["table_name"] for d in data_office.list_all("dataset")}
    assert set(DATASETS) <= datasets
    assert "rpt_population_by_grid" not in datasets


@pytest.mark.parametrize("username", ["data_office", "district_leader"])
def test_the_page_renders_with_the_queues_real_numbers(
    superset_server: SupersetServer,
    browser: Browser,  # noqa: F811
    username: str,
) -> None:
    page = logged_in_page(browser, superset_server.url, username)
    n_charts = dashboards()[SLUG]
    shot = OUTPUT_DIR / username / f"{SLUG}.png"
    charts = render_dashboard(page, superset_server.url, SLUG, n_charts, shot)
    page.close()
    assert len(charts) == n_charts, f"{len(charts)} of {n_charts} charts shown (screenshot {shot})"
    broken = [c["title"] for c in charts if c["error"] or not c["drawn"]]
    assert not broken, f"{username}: charts not rendered: {broken}"

    client = SupersetClient(superset_server.url, username, DEMO_PASSWORD)
    (open_total,) = _serving(
        superset_server, "select sum(open_count) from marts.rpt_stewardship_counts"
    )[0]
    assert open_total and open_total > 0
    assert client.chart_data(_chart(client, OPEN))[0]["open"] == open_total
    by_department = dict(
        _serving(
            superset_server,
            "select department_name, sum(open_count) from marts.rpt_stewardship_counts "
            "group by all having sum(open_count) is not null",
        )
    )
    rows = client.chart_data(_chart(client, "各部门、类型待处理与账龄"))
    seen: dict[str, int] = {}
    for row in rows:
        if row["open"] is not None:
            seen[row["department_name"]] = seen.get(row["department_name"], 0) + row["open"]
    assert seen == by_department
    # the age buckets add up to the open disagreements, department by department
    rows = client.chart_data(_chart(client, "账龄分布（按责任部门）"))
    buckets = ("age_0_6", "age_7_29", "age_30_89", "age_90_plus")
    (published_buckets,) = _serving(
        superset_server,
        "select sum(coalesce(opened_last_7_days_count, 0) + coalesce(age_7_29_days_count, 0) "
        "+ coalesce(age_30_89_days_count, 0) + coalesce(age_90_plus_days_count, 0)) "
        "from marts.rpt_stewardship_counts",
    )[0]
    assert published_buckets > 0
    assert sum(sum(row[b] or 0 for b in buckets) for row in rows) == published_buckets

    items = client.chart_data(_chart(client, ITEMS))
    (n_items,) = _serving(superset_server, "select count(*) from marts.rpt_stewardship_open_items")[
        0
    ]
    assert n_items > 0 and len(items) == min(n_items, 1000)
    numbers = [row["item_number"] for row in items]
    assert numbers == sorted(set(numbers)), "the list is in its own order, oldest first"
    ages = [row["age_days"] for row in items]
    assert ages == sorted(ages, reverse=True)
    assert {row["kind_name"][:2] for row in items} <= {"法人", "房屋"}


def test_the_geography_section_shows_the_planted_change(
    superset_server: SupersetServer, data_office: SupersetClient
) -> None:
    """The register, the versions, the late old codes and the restated trends: each
    chart answers with the serving copy's rows, and those hold the planted change."""
    client = data_office
    # the register as the warehouse holds it: every line, applied or rejected with its reason
    register = client.chart_data(_chart(client, REGISTER))
    published = _serving(
        superset_server,
        "select change_id, predecessor_code, successor_code, status_name, reject_reason_name "
        "from marts.rpt_geography_register",
    )
    assert published, "the serving build planted no change (tests/superset/build_serving.py)"
    shown = [
        (r["change_id"], r["predecessor_code"], r["successor_code"], r["status_name"],
         r["reject_reason_name"])
        for r in register
    ]  # fmt: skip
    assert sorted(shown, key=str) == sorted(published, key=str)
    assert any(r["status_name"] == "已采用" for r in register)
    assert all(
        (r["status_name"] == "已采用") == (r["reject_reason_name"] is None) for r in register
    )
    assert {r["unit_level_name"] for r in register} == {"社区", "网格"}
    (rejected,) = client.chart_data(_chart(client, "退回待更正的登记行"))
    assert rejected["rejected_lines"] == sum(r["status_name"] != "已采用" for r in register)

    # versions: communities in force (the register's new one included) and retired codes
    ((in_force, retired),) = _serving(
        superset_server,
        "select count(distinct case when is_current and unit_level = 'community' "
        "then unit_code end), count(distinct case when is_code_retired then unit_code end) "
        "from marts.rpt_geography_versions",
    )
    assert client.chart_data(_chart(client, COMMUNITIES))[0]["communities_in_force"] == in_force
    assert client.chart_data(_chart(client, RETIRED))[0]["retired_codes"] == retired > 0
    versions = client.chart_data(_chart(client, VERSIONS))
    (n_versions,) = _serving(superset_server, "select count(*) from marts.rpt_geography_versions")[
        0
    ]
    assert len(versions) == min(n_versions, 10000)
    changed = [r for r in versions if r["started_by_change_id"] or r["ended_by_change_id"]]
    assert changed and versions[: len(changed)] == changed, "changed units first"
    assert {"现行", "已停用"} <= {r["status_name"] for r in changed}

    # late old codes: each row delivered with a retired code since its retirement
    late = client.chart_data(_chart(client, LATE))
    published_late = _serving(
        superset_server,
        "select feed_name, delivered_code, month_start, rows_count "
        "from marts.rpt_geography_late_codes",
    )
    assert late and len(late) == len(published_late)
    assert sum(r["rows_count"] for r in late) == sum(r[3] for r in published_late)
    assert all(r["retired_on"] is not None and r["retired_by_change_id"] for r in late)
    codes = {r["delivered_code"] for r in late}
    assert client.chart_data(_chart(client, LATE_CODES))[0]["late_codes"] == len(codes)

    # restated trends: per month the changed communities' counts on today's
    # boundaries add up to those of the time (the series does not break)
    for title, measure in ((POPULATION_TREND, "population"), (EVENT_TREND, "events")):
        rows = client.chart_data(_chart(client, title))
        assert rows, f"{title}: no rows"
        assert {r["community_name"] for r in rows} == {
            name
            for (name,) in _serving(
                superset_server,
                "select distinct community_name from marts.rpt_geography_restated_trend "
                f"where measure = '{measure}'",
            )
        }
        months: dict[object, list[dict]] = {}
        for row in rows:
            months.setdefault(row["month_start"], []).append(row)
        for month, cells in months.items():
            if all(c["restated"] is not None and c["at_the_time"] is not None for c in cells):
                restated = sum(c["restated"] for c in cells)
                assert restated == sum(c["at_the_time"] for c in cells), (title, month)
        if measure == "population":
            assert len(months) > 1, "a year of months before the change"


def test_the_new_community_has_no_residents_at_the_time_before_it_existed(
    superset_server: SupersetServer, data_office: SupersetClient
) -> None:
    """A community the register created: on today's boundaries it has residents before
    the change (restated), on those of the time none until the change, then its own."""
    created = {
        name: effective
        for name, effective in _serving(
            superset_server,
            "select successor_community_name, min(effective_date) "
            "from marts.rpt_geography_register "
            "where is_applied and unit_level = 'community' and successor_code != predecessor_code "
            "group by successor_community_name",
        )
    }
    assert created, "the demo plants a community split (docs/GEOGRAPHY.md)"
    rows = data_office.chart_data(_chart(data_office, POPULATION_TREND))
    for name, effective in created.items():
        series = [r for r in rows if r["community_name"] == name]
        before = [r for r in series if _month(r["month_start"]) < effective.replace(day=1)]
        after = [r for r in series if _month(r["month_start"]) >= effective.replace(day=1)]
        assert before and after, name
        assert all(not r["at_the_time"] for r in before), (name, before)
        assert any(r["restated"] for r in before), name
        assert any(r["at_the_time"] for r in after), name


def test_the_item_list_names_no_person(superset_server: SupersetServer) -> None:
    """Published list: no person row, no person's pseudonym, sole traders' codes withheld."""
    assert _serving(
        superset_server,
        "select count(*) from marts.rpt_stewardship_open_items "
        "where subject_type not in ('entity', 'building') "
        "or subject_key in (select person_key from marts.dim_person) "
        "or value_a in (select person_key from marts.dim_person) "
        "or value_b in (select person_key from marts.dim_person)",
    ) == [(0,)]
    assert _serving(
        superset_server,
        "select count(*) from marts.rpt_stewardship_open_items where (subject_key like '92%' "
        "or value_a like '92%' or value_b like '92%') and subject_type = 'entity'",
    ) == [(0,)]


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_street_and_community_leaders_get_nothing_of_it(
    superset_server: SupersetServer,
    data_office: SupersetClient,
    browser: Browser,  # noqa: F811
    username: str,
) -> None:
    leader = SupersetClient(superset_server.url, username, DEMO_PASSWORD)
    assert SLUG not in {d["slug"] for d in leader.list_all("dashboard")}
    assert not {d["table_name"] for d in leader.list_all("dataset")} & set(DATASETS)
    charts = {c["slice_name"] for c in leader.list_all("chart")}
    assert not charts & {OPEN, ITEMS, *GEOGRAPHY_CHARTS}
    dashboard = next(d for d in data_office.list_all("dashboard") if d["slug"] == SLUG)
    for path in (f"/api/v1/dashboard/{SLUG}", f"/api/v1/dashboard/{dashboard['id']}/charts",
                 f"/api/v1/dashboard/{dashboard['id']}/datasets"):  # fmt: skip
        response = leader.get(path)
        assert response.status_code in (403, 404), f"{path}: {response.status_code}"
    # the charts and datasets by the ids the data office sees
    for name in (OPEN, ITEMS, *GEOGRAPHY_CHARTS):
        chart = _chart(data_office, name)
        response = leader.get(f"/api/v1/chart/{chart['id']}/data/", force="true")
        assert response.status_code in (403, 404), f"{name}: {response.text[:300]}"
    for dataset in data_office.list_all("dataset"):
        if dataset["table_name"] not in DATASETS:
            continue
        assert leader.get(f"/api/v1/dataset/{dataset['id']}").status_code in (403, 404)
        payload = {
            "datasource": {"id": dataset["id"], "type": "table"},
            "force": True,
            "queries": [{"columns": ["street_code"], "metrics": [], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
        }
        response = leader.post("/api/v1/chart/data", payload)
        assert response.status_code in (403, 404), response.text[:300]
    # in the browser: the page shows no chart and none of the queue's numbers
    page = logged_in_page(browser, superset_server.url, username)
    page.goto(f"{superset_server.url}/superset/dashboard/{SLUG}/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    OUTPUT_DIR.joinpath(username).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / username / f"{SLUG}-refused.png"), full_page=True)
    assert page.locator('[data-test="chart-container"]').count() == 0
    text = page.inner_text("body")
    assert OPEN not in text and "账龄分布" not in text
    assert REGISTER not in text and "现行边界" not in text
    page.close()


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_the_scope_files_hold_none_of_it(superset_server: SupersetServer, username: str) -> None:
    sql = [f"select count(*) from marts.{name}" for name in DATASETS]
    results = _through_superset(superset_server, username, sql)
    for statement in sql:
        assert "error" in results[statement], (
            f"{username}: {statement!r} answered {results[statement]}"
        )
