"""数据治理（一数一源）: the district data office's page (issue 16 item 3).

The data office (and the district leader) open it in Debian's chromium and see
the stewardship queue's real numbers from the serving copy; the street and the
community leader neither list nor open it, and a crafted request for its
charts or datasets is refused, as in ``test_live_rls_attacks.py``. Their scope
files hold none of its tables (layer 2).
"""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import Browser, Page

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
DATASETS = ("rpt_stewardship_counts", "rpt_stewardship_open_items")
OPEN, ITEMS = "待处理不一致", "待处理清单（法人、房屋）"


def _signed_in(browser: Browser, url: str, username: str) -> Page:  # noqa: F811
    """As ``logged_in_page``, but done once the login's redirect is committed: the
    welcome page it lands on is not what this test reads (and is slow under load)."""
    page = browser.new_page(viewport={"width": 1600, "height": 1200}, locale="zh-CN")
    page.goto(f"{url}/login/")
    page.wait_for_selector("input[type=password]")
    page.locator("input:not([type=hidden]):not([type=password])").first.fill(username)
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator(
        "button[type=submit], button:has-text('Sign in'), button:has-text('登录')"
    ).first.click()
    page.wait_for_url(lambda target: "/login" not in target, timeout=90_000, wait_until="commit")
    return page


@pytest.fixture(scope="module")
def data_office(superset_server: SupersetServer) -> SupersetClient:
    return SupersetClient(superset_server.url, "data_office", DEMO_PASSWORD)


def _chart(client: SupersetClient, name: str) -> dict:
    return next(c for c in client.list_all("chart") if c["slice_name"] == name)


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
    assert not {c["slice_name"] for c in leader.list_all("chart")} & {OPEN, ITEMS}
    dashboard = next(d for d in data_office.list_all("dashboard") if d["slug"] == SLUG)
    for path in (f"/api/v1/dashboard/{SLUG}", f"/api/v1/dashboard/{dashboard['id']}/charts",
                 f"/api/v1/dashboard/{dashboard['id']}/datasets"):  # fmt: skip
        response = leader.get(path)
        assert response.status_code in (403, 404), f"{path}: {response.status_code}"
    # the charts and datasets by the ids the data office sees
    for name in (OPEN, ITEMS):
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
            "queries": [{"columns": ["department_name"], "metrics": [], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
        }
        response = leader.post("/api/v1/chart/data", payload)
        assert response.status_code in (403, 404), response.text[:300]
    # in the browser: the page shows no chart and none of the queue's numbers
    page = _signed_in(browser, superset_server.url, username)
    page.goto(f"{superset_server.url}/superset/dashboard/{SLUG}/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    OUTPUT_DIR.joinpath(username).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / username / f"{SLUG}-refused.png"), full_page=True)
    assert page.locator('[data-test="chart-container"]').count() == 0
    text = page.inner_text("body")
    assert OPEN not in text and "账龄分布" not in text
    page.close()


@pytest.mark.parametrize("username", sorted(LEADERS))
def test_the_scope_files_hold_none_of_it(superset_server: SupersetServer, username: str) -> None:
    sql = [f"select count(*) from marts.{name}" for name in DATASETS]
    results = _through_superset(superset_server, username, sql)
    for statement in sql:
        assert "error" in results[statement], (
            f"{username}: {statement!r} answered {results[statement]}"
        )
