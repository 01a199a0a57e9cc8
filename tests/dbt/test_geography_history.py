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
