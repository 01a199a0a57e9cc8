"""The weekly brief states its period honestly: each feed's last day, a feed behind flagged,
duplicate reports as their own figure (orchestration/brief/data.py on a hand-made serving copy)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.brief.data import read_brief_data

WEEK_END = date(2026, 10, 3)


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    path = tmp_path / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.rpt_feed_freshness as
            select * from (values
                ('events', '事件', date '2026-10-02', date '2026-10-01', date '2026-10-02', 1,
                 true, 'BEHIND'),
                ('population', '人口', date '2026-10-03', date '2026-10-02', date '2026-10-02', 0,
                 false, 'up to date')
            ) as t(feed, feed_name, latest_delivery_date, data_through_date,
                   newest_data_through_date, days_behind, is_behind, status_en)
            """
        )
        # the brief's events table as the serving model rpt_brief_events holds it:
        # the district brief's street rows, ordered (brief_order) by events_reported
        con.execute(
            """
            create table marts.rpt_brief_events as
            select * from (values
                (2, '440306023000', '新安街道', 8, 7, 1, 0, null, null, null),
                (1, '440306026000', '石岩街道', 30, 30, 0, 14, 0.857, 92.29, 1)
            ) as t(brief_order, unit_code, area, reports_received, events_reported,
                   duplicate_events, events_closed, closed_on_time_rate, assessment_score,
                   assessment_rank),
            (select 'district' as brief_area, date '2026-09-28' as period_start)
            """
        )
    return path


def test_the_period_names_each_feeds_last_day_and_the_one_behind(serving: Path) -> None:
    data = read_brief_data(serving, WEEK_END)
    period = data.period(WEEK_END)
    assert "Week 2026-09-28 to 2026-10-03" in period
    assert "events 2026-10-01 (BEHIND)" in period
    assert "population 2026-10-02" in period and "population 2026-10-02 (BEHIND)" not in period
    assert "incomplete for events, population" in period
    assert "earliest data end 2026-10-01" in period


def test_the_events_section_counts_duplicates_apart_and_says_where_data_stop(
    serving: Path,
) -> None:
    sections = {s.title: s for s in read_brief_data(serving, WEEK_END).sections_by_street[None]}
    events = sections["Events closed loop 事件闭环"]
    assert events.frame is not None
    assert events.frame["duplicate_events"].to_list() == [0, 1]  # ordered by events_reported
    unscored = events.frame.filter(events.frame["unit_code"] == "440306023000")
    assert unscored["assessment_score"].to_list() == [None]
    assert unscored["assessment_rank"].to_list() == [None]
    assert "Events data run only to 2026-10-01, 1 day(s) behind" in events.question
    freshness = sections["Data freshness 数据时效"]
    assert freshness.frame is not None
    assert dict(freshness.frame.select("feed", "status").iter_rows()) == {
        "events": "BEHIND",
        "population": "up to date",
    }
    assert "Behind: events." in freshness.question


def test_without_the_freshness_mart_the_brief_says_dates_are_unknown(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
    data = read_brief_data(path, WEEK_END)
    assert "data dates unknown" in data.period(WEEK_END)
    freshness = data.sections_by_street[None][0]
    assert not freshness.available and "mart missing" in freshness.note


def test_withheld_population_figures_read_as_withheld(serving: Path) -> None:
    """Counts of persons withheld by disclosure control (NULL in the serving copy,
    docs/PRIVACY.md) are shown as withheld, never as 0 or an error."""
    with duckdb.connect(str(serving)) as con:
        con.execute(
            """
            create table marts.rpt_headline_figures as select * from (values
                ('district', '440306000000', 1200, null, 0.4, 0.1),
                ('street', '440306023000', 1197, null, 0.4, 0.1),
                ('street', '440306999000', null, null, null, null)
            ) as t(unit_level, unit_code, managed_population, unlocated_population,
                   hukou_share, elderly_60_plus_share),
            (select date '2026-10-02' as population_as_of,
                    false as is_unlocated)
            """
        )
        # its street rows as the serving model rpt_brief_population holds them
        con.execute(
            """
            create table marts.rpt_brief_population as select * from (values
                (1, '440306023000', '新安', 1197, null, 0.4, 0.1),
                (2, '440306999000', '440306999000', null, null, null, null)
            ) as t(brief_order, unit_code, area, managed_count, unlocated_count,
                   hukou_share, elderly_60_plus_share),
            (select 'district' as brief_area)
            """
        )
    population = {
        s.title: s for s in read_brief_data(serving, WEEK_END, 5).sections_by_street[None]
    }["Population 人口"]
    assert population.frame is not None and population.frame.height == 2
    assert "district: 1,200 at 2026-10-02; 未定位 — (withheld)" in population.question
    assert "withheld: fewer than 5 persons (disclosure control)" in population.note


def test_a_table_section_is_one_model_read_as_it_is(serving: Path) -> None:
    """Issue 13: social security, housing and data quality, names not codes, each a
    plain select of its serving model; a missing model empties its section only."""
    with duckdb.connect(str(serving)) as con:
        con.execute(
            """
            create table marts.rpt_brief_housing as select * from (values
                ('district', 2, '440306023000', '新安街道', 40, 3, 120, 300, 2, 0, 0, 1),
                ('district', 1, '440306999000', '未定位街道', 1, 0, 0, null, 0, 0, 0, 1),
                ('440306023000', 1, '440306023001', '宝民社区', 40, 3, 120, 300, 2, 0, 0, 1)
            ) as t(brief_area, brief_order, unit_code, area, buildings, urban_village_buildings,
                   rental_rooms, tenants, overcrowded_buildings, hazard_buildings,
                   residents_in_hazard_buildings, buildings_withheld)
            """
        )
    data = read_brief_data(serving, WEEK_END, 5)
    housing = {s.title: s for s in data.sections_by_street[None]}["Housing and rental 房屋与租赁"]
    assert housing.frame is not None and housing.table == "rpt_brief_housing"
    assert housing.frame["area"].to_list() == ["未定位街道", "新安街道"]  # brief_order
    assert "unit_code" not in housing.frame.columns and "brief_area" not in housing.frame.columns
    assert "withheld: fewer than 5 persons" in housing.note
    assert "2 buildings with a figure withheld are left out" in housing.note
    social = {s.title: s for s in data.sections_by_street[None]}[
        "Social security and assistance 社保与救助"
    ]
    assert not social.available and "mart missing" in social.note
    events = {s.title: s for s in data.sections_by_street[None]}["Events closed loop 事件闭环"]
    assert events.label == "area" and events.frame is not None
    assert events.frame["area"].to_list() == ["石岩街道", "新安街道"]
