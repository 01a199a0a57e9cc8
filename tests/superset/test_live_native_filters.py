"""The dashboards' native select filters list values for leaders, within their scope.

A select filter asks ``/api/v1/chart/data`` for its values with a form_data
that carries ``metrics: ["count"]`` (Superset's own filter form); the free-SQL
guard once took that name for SQL and refused it, so every filter of every
leader showed "网络异常。" instead of its values. Screenshots land in
``test-output/superset/<user>/filters-<dashboard>.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.superset.conftest import OUTPUT_DIR, SupersetServer
from tests.superset.test_live_dashboards import (  # noqa: F401  (fixture)
    STREET_LEADER,
    STREET_NAME,
    _settled_charts,
    browser,
    dashboards,
    logged_in_page,
    render_dashboard,
)

DASHBOARD = "grid-events"
FILTER_ERROR = "网络异常"
OTHER_STREET = "西乡街道"


def _select(page: Page, name: str) -> Locator:
    label = page.locator('[data-test="filter-control-name"]', has_text=re.compile(f"^{name}$"))
    expect_one = page.locator(".ant-form-item", has=label)
    assert expect_one.count() == 1, f"no single filter named {name}"
    return expect_one.locator(".ant-select").first


def _options(page: Page, select: Locator, search: str = "") -> list[str]:
    """The option labels the open dropdown shows (after typing ``search``)."""
    select.click()
    select.locator("input").first.fill(search)  # replaces an earlier search
    dropdown = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)").last
    dropdown.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1500)  # searching or loading settles
    options = dropdown.locator(".ant-select-item-option").all_inner_texts()
    # the select also offers the typed text itself: not a value of the dataset
    return [o.strip() for o in options if o.strip() and o.strip() != search]


def _close(page: Page) -> None:
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(300)


def _filter_names(page: Page) -> list[str]:
    page.locator('[data-test="filter-control-name"]').first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the select filters' values arrive (or fail) after the charts
    return page.locator('[data-test="filter-control-name"]').all_inner_texts()


@pytest.mark.parametrize("username", ["district_leader", STREET_LEADER])
def test_select_filters_list_the_leaders_own_values(
    superset_server: SupersetServer,
    browser: Browser,  # noqa: F811
    username: str,
) -> None:
    page = logged_in_page(browser, superset_server.url, username)
    shot = OUTPUT_DIR / username / f"filters-{DASHBOARD}.png"
    render_dashboard(page, superset_server.url, DASHBOARD, dashboards()[DASHBOARD], shot)
    names = _filter_names(page)
    assert {"街道", "事件类别"} <= {n.strip() for n in names}, names
    body = page.locator("body").inner_text()
    assert FILTER_ERROR not in body, (
        f"{username}: a filter shows {FILTER_ERROR} (screenshot {shot})"
    )

    street = _select(page, "街道")
    shown = _options(page, street)
    _close(page)
    own = _options(page, street, STREET_NAME[:2])
    _close(page)
    other = _options(page, street, OTHER_STREET[:2])
    _close(page)
    categories = _options(page, _select(page, "事件类别"))
    _close(page)
    page.screenshot(path=str(shot), full_page=True)
    assert own == [STREET_NAME], own
    assert categories, f"{username}: 事件类别 lists no value"
    if username == STREET_LEADER:
        # RLS applies to filter values: only the leader's own street.
        assert shown == [STREET_NAME], shown
        assert other == [], other
    else:
        assert len(shown) >= 3 and STREET_NAME in shown + own, shown
        assert other == [OTHER_STREET], other
    assert FILTER_ERROR not in page.content()
    page.close()


def test_applying_a_street_filter_narrows_the_charts(
    superset_server: SupersetServer,
    browser: Browser,  # noqa: F811
) -> None:
    page = logged_in_page(browser, superset_server.url, "district_leader")
    n_charts = dashboards()[DASHBOARD]
    shot = OUTPUT_DIR / "district_leader" / f"filters-{DASHBOARD}-applied.png"
    render_dashboard(page, superset_server.url, DASHBOARD, n_charts, shot)
    _filter_names(page)
    ranking = page.locator('[data-test="dashboard-component-chart-holder"]', has_text="街道排名")
    assert OTHER_STREET in ranking.inner_text(), "control: the ranking lists several streets"

    street = _select(page, "街道")
    _options(page, street, STREET_NAME[:2])
    page.locator(".ant-select-item-option", has_text=STREET_NAME).first.click()
    _close(page)
    page.locator('[data-test="filterbar-action-buttons"] button[type=submit]').click()
    page.wait_for_timeout(1000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-test=\"loading-indicator\"], .loading')",
        timeout=60_000,
    )
    page.wait_for_timeout(1000)
    text = ranking.inner_text()
    page.screenshot(path=str(shot), full_page=True)
    assert STREET_NAME in text and OTHER_STREET not in text, text
    # charts on datasets without 街道 ignore the filter instead of failing
    broken = [c["title"] for c in _settled_charts(page, n_charts) if c["error"]]
    assert not broken, f"charts failing after the filter was applied: {broken}"
    assert FILTER_ERROR not in page.locator("body").inner_text()
    page.close()
