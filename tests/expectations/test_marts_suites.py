"""The dim_grid suite's SQL on small grid lists: phantom grids warn, a broken list fails."""

from __future__ import annotations

import duckdb
import pytest

from expectations.suites.marts import dim_grid


def _not_met(known: int, unknown: int) -> dict[str, list[tuple]]:
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute(
            f"""
            create table marts.dim_grid as
            select '440306017005' || lpad(cast(i as varchar), 3, '0') as grid_code,
                   '440306017005' as community_code, true as is_known_community
            from range({known}) as r(i)
            union all  -- orphan codes: the pre-2017 street segment
            select '44030600100' || cast(i % 3 as varchar) || lpad(cast(i as varchar), 3, '0'),
                   '44030600100' || cast(i % 3 as varchar), false
            from range({unknown}) as r(i)
            """
        )
        checks = [
            e
            for e in dim_grid({"grid_code", "is_known_community"}, set())
            if e.meta["check"] == "grid_in_known_community"
        ]
        return {
            e.meta["severity"]: con.execute(
                e.unexpected_rows_query.replace("{batch}", "marts.dim_grid")
            ).fetchall()
            for e in checks
        }


def test_every_grid_in_a_current_community_passes() -> None:
    assert _not_met(100, 0) == {"warn": [], "fail": []}


@pytest.mark.parametrize("unknown", [1, 20])
def test_some_phantom_grids_warn_with_their_prefixes(unknown: int) -> None:
    found = _not_met(100, unknown)
    assert found["fail"] == []
    assert {row[0] for row in found["warn"]} == {f"44030600100{i}" for i in range(min(unknown, 3))}
    assert sum(row[1] for row in found["warn"]) == unknown
    assert all(row[2:] == (unknown, 100 + unknown) for row in found["warn"])


def test_a_grid_list_over_a_fifth_phantom_fails() -> None:
    # 1,172 phantom grids beside Bao'an's ~3,957: what a district run found
    found = _not_met(3_957, 1_172)
    assert len(found["fail"]) == 3 and found["fail"][0][2:] == (1_172, 5_129)
