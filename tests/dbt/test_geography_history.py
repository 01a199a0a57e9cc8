"""Geography with history (docs/GEOGRAPHY.md) on the fixture's planted change.

The data office's register (raw.qhtz, delivered on day 2) splits community C1
on CHANGE_DATE: the new community CS takes 30% of its population and C1's grid
G2 becomes CS's grid GS; C1's grid G1 is redrawn into G1 and G4. An event
after the change carries the new code, one delivered late still the old.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.dbt.dbt_helpers import query
from tests.dbt.raw_fixture import C1, C2, CHANGE_DATE, CS, G1, G2, G4, GS


def test_register_lines_are_checked_and_a_bad_change_is_kept_with_its_reason(
    fixture_warehouse: Path,
) -> None:
    rows = query(
        fixture_warehouse,
        """select change_id, predecessor_code, successor_code, reject_reason
           from intermediate.int_geography_changes order by 1, 3""",
    )
    rejected = {(r[0], r[2]): r[3] for r in rows if r[3] is not None}
    assert rejected == {
        ("QH2026-03", C2): "population_shares_do_not_sum_to_1",
        ("QH2026-03", "440306018191"): "population_shares_do_not_sum_to_1",
    }
    assert len(rows) == 7
    # the rejected change changes nothing: C2 has one version, no successor
    versions = query(
        fixture_warehouse,
        f"""select community_code from marts.dim_community_version
            where community_code in ('{C2}', '440306018191')""",
    )
    assert versions == [(C2,)]


def test_community_and_grid_versions_are_scd2(fixture_warehouse: Path) -> None:
    communities = query(
        fixture_warehouse,
        f"""select community_code, valid_from, valid_to, is_current, change_id
            from marts.dim_community_version where community_code in ('{C1}', '{CS}')
            order by community_code, valid_from""",
    )
    assert communities == [
        (C1, date(2017, 1, 1), CHANGE_DATE, False, None),
        (C1, CHANGE_DATE, None, True, "QH2026-01"),
        (CS, CHANGE_DATE, None, True, "QH2026-01"),
    ]
    # CS is a community every dimension knows, named as the register names it
    named = query(
        fixture_warehouse,
        f"""select community_name, street_code from marts.dim_community_current
            where community_code = '{CS}'""",
    )
    assert named == [("宝民南社区", "440306017000")]
    grids = query(
        fixture_warehouse,
        f"""select grid_code, valid_from, valid_to, is_current
            from marts.dim_grid_version where grid_code in ('{G1}', '{G2}', '{G4}', '{GS}')
            order by grid_code, valid_from nulls first""",
    )
    assert grids == [
        (G1, None, CHANGE_DATE, False),
        (G1, CHANGE_DATE, None, True),
        (G2, None, CHANGE_DATE, False),
        (G4, CHANGE_DATE, None, True),
        (GS, CHANGE_DATE, None, True),
    ]


def test_events_locate_on_the_codes_they_carry(fixture_warehouse: Path) -> None:
    """Boundaries of the time: the new code is CS's, a late old code stays C1's."""
    located = dict(
        (r[0], r[1:])
        for r in query(
            fixture_warehouse,
            """select event_id, grid_code, community_code from marts.fct_event
               where event_id in ('E9', 'E10')""",
        )
    )
    assert located == {"E9": (GS, CS), "E10": (G2, C1)}


def _series(warehouse: Path, mart: str, measure: str, at_the_time: str) -> dict:
    rows = query(
        warehouse,
        f"""select community_code, month_start, {measure}, {at_the_time} from marts.{mart}
            where community_code in ('{C1}', '{CS}')""",
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_population_trend_is_continuous_across_the_split(fixture_warehouse: Path) -> None:
    series = _series(
        fixture_warehouse, "rpt_population_trend", "managed_count", "managed_count_at_the_time"
    )
    months = sorted({m for _, m in series})
    assert any(m < CHANGE_DATE.replace(day=1) for m in months), "no month before the change"
    first = {
        code: min(m for m in months if series.get((code, m), (0, 0))[0] > 0) for code in (C1, CS)
    }
    assert first[CS] < CHANGE_DATE, "restated, CS has no history before the change"
    for month in months:
        c1, cs = series.get((C1, month), (0, 0)), series.get((CS, month), (0, 0))
        # restating moves people between the two, never in or out
        assert c1[0] + cs[0] == c1[1] + cs[1], month
        # on the boundaries of the time CS had nobody (its rooms carry C1's code);
        # restated, once a series has begun no month of it drops to zero
        assert cs[1] == 0, month
        assert cs[0] > 0 or month < first[CS], month
        assert c1[0] > 0 or month < first[C1], month
    # the dashboard's trend (serving view) is the restated one
    monthly = dict(
        ((r[0], r[1]), r[2])
        for r in query(
            fixture_warehouse,
            f"""select community_code, month, managed_population from marts.rpt_population_monthly
                where community_code in ('{C1}', '{CS}')""",
        )
    )
    assert monthly and all(monthly[key] == series[key][0] for key in monthly)


def test_event_trend_restates_the_late_old_code(fixture_warehouse: Path) -> None:
    series = _series(
        fixture_warehouse, "rpt_event_trend", "events_reported", "events_reported_at_the_time"
    )
    september = date(2026, 9, 1)
    c1, cs = series[(C1, september)], series[(CS, september)]
    assert c1[0] + cs[0] == c1[1] + cs[1]
    # at the time CS had only E9; restated it has every event of G2 (E2, E10) too
    assert cs[1] == 1 and cs[0] == 3
    # the dashboards' event dataset is restated the same way
    closed_loop = dict(
        query(
            fixture_warehouse,
            f"""select community_code, sum(events) from marts.rpt_event_closed_loop
                where month = date '2026-09-01' and community_code in ('{C1}', '{CS}')
                group by community_code""",
        )
    )
    assert closed_loop == {C1: c1[0], CS: cs[0]}


# The data office's page (数据治理): the register, the versions, the late old
# codes and the restated trends as its marts publish them.


def test_the_register_mart_shows_every_line_with_its_status_and_reason(
    fixture_warehouse: Path,
) -> None:
    rows = query(
        fixture_warehouse,
        """select change_id, predecessor_code, successor_code, predecessor_community_name,
                  successor_community_name, is_applied, status_name, reject_reason_name
           from marts.rpt_geography_register""",
    )
    held = query(fixture_warehouse, "select count(*) from intermediate.int_geography_changes")
    assert len(rows) == held[0][0] == 7
    by_line = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert by_line[("QH2026-01", C1, CS)] == ("宝民社区居委会", "宝民南社区", True, "已采用", None)
    # a grid line names the communities its codes lie in
    assert by_line[("QH2026-01", G2, GS)][:2] == ("宝民社区居委会", "宝民南社区")
    rejected = {key: value for key, value in by_line.items() if not value[2]}
    assert set(rejected) == {("QH2026-03", C2, C2), ("QH2026-03", C2, "440306018191")}
    assert {value[3:] for value in rejected.values()} == {
        ("已退回（待更正）", "同一原代码的人口占比合计不为1")
    }


def test_the_versions_mart_says_what_is_in_force_and_what_was_retired(
    fixture_warehouse: Path,
) -> None:
    rows = query(
        fixture_warehouse,
        f"""select unit_code, valid_from, valid_to, status_name, started_by_change_id,
                   ended_by_change_id, is_code_retired
            from marts.rpt_geography_versions
            where unit_code in ('{C1}', '{CS}', '{G1}', '{G2}', '{GS}')
            order by unit_code, valid_from nulls first""",
    )
    assert rows == [
        (C1, date(2017, 1, 1), CHANGE_DATE, "旧版本（代码沿用）", None, "QH2026-01", False),
        (C1, CHANGE_DATE, None, "现行", "QH2026-01", None, False),
        (G1, None, CHANGE_DATE, "旧版本（代码沿用）", None, "QH2026-02", False),
        (G1, CHANGE_DATE, None, "现行", "QH2026-02", None, False),
        (G2, None, CHANGE_DATE, "已停用", None, "QH2026-01", True),
        (CS, CHANGE_DATE, None, "现行", "QH2026-01", None, False),
        (GS, CHANGE_DATE, None, "现行", "QH2026-01", None, False),
    ]
    # the district's communities in force: the reference's and the register's new one
    (in_force,) = query(
        fixture_warehouse,
        """select count(distinct unit_code) from marts.rpt_geography_versions
           where is_current and unit_level = 'community'""",
    )[0]
    (reference,) = query(
        fixture_warehouse,
        """select count(*) from reference.admin_divisions where division_level = 'community'
           and division_code like '440306%' and valid_to is null""",
    )[0]
    assert in_force == reference + 1


def test_late_old_codes_count_every_row_delivered_with_a_retired_code(
    fixture_warehouse: Path,
) -> None:
    """G2 was retired on CHANGE_DATE: every row delivered since with G2 is listed, and
    only G2 (G1 and C1 continue, so their codes are not old)."""
    late = query(
        fixture_warehouse,
        """select feed, delivered_code, retired_on, retired_by_change_id, current_code,
                  sum(rows_count), sum(facts_count), sum(rows_dated_after_count)
           from marts.rpt_geography_late_codes group by all order by feed""",
    )
    # the same rows counted from the staged deliveries, one feed at a time
    sources = {
        "events": ("intermediate.int_event_state_changes", "event_id", "cast(state_at as date)"),
        "housing": ("staging.stg_housing__buildings", "building_code", "delivery_date"),
        "population": (
            "staging.stg_population__grid_collections",
            "collection_id",
            "cast(collected_at as date)",
        ),
    }
    expected = []
    for feed, (table, fact, dated) in sources.items():
        rows, facts, after = query(
            fixture_warehouse,
            f"""select count(*), count(distinct {fact}),
                       count(case when {dated} >= date '{CHANGE_DATE}' then 1 end)
                from {table} where grid_code = '{G2}' and delivery_date >= date '{CHANGE_DATE}'""",
        )[0]
        if rows:
            expected.append((feed, G2, CHANGE_DATE, "QH2026-01", GS, rows, facts, after))
    assert late == expected
    events = next(row for row in late if row[0] == "events")
    # E10 (reported after the change with the old code) is among them
    assert events[7] >= 2
    e10 = query(
        fixture_warehouse,
        f"""select count(*) from intermediate.int_event_state_changes
            where event_id = 'E10' and grid_code = '{G2}'""",
    )
    assert e10 == [(2,)]


def test_the_restated_trend_view_shows_both_boundaries_of_the_changed_communities(
    fixture_warehouse: Path,
) -> None:
    rows = query(
        fixture_warehouse,
        """select community_code, measure, month_start, restated_count, at_the_time_count,
                  is_after_change
           from marts.rpt_geography_restated_trend""",
    )
    # C1 and CS (QH2026-01); the rejected QH2026-03 changes nothing, so C2 is not shown
    assert {r[0] for r in rows} == {C1, CS}
    assert {r[1] for r in rows} == {"population", "events"}
    population = _series(
        fixture_warehouse, "rpt_population_trend", "managed_count", "managed_count_at_the_time"
    )
    events = _series(
        fixture_warehouse, "rpt_event_trend", "events_reported", "events_reported_at_the_time"
    )
    for community, measure, month, restated, at_the_time, after in rows:
        source = population if measure == "population" else events
        assert source.get((community, month), (0, 0)) == (restated, at_the_time)
        assert after == (month >= CHANGE_DATE.replace(day=1))
    for measure in ("population", "events"):
        months = {r[2] for r in rows if r[1] == measure}
        assert any(m < CHANGE_DATE.replace(day=1) for m in months) or measure == "events"
        for month in months:
            cells = [r for r in rows if r[1] == measure and r[2] == month]
            # restated on today's boundaries, the two add up to what they had at the time
            assert sum(r[3] for r in cells) == sum(r[4] for r in cells), (measure, month)
