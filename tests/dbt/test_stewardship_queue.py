"""The stewardship queue follows the deliveries: a disagreement that a later
delivery resolves leaves it (issue 16 item 3), on the warehouse built day by
day as production builds it (tests/dbt/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from tests.dbt.dbt_helpers import query
from tests.dbt.pseudonym import pseudonym
from tests.dbt.raw_fixture import P

QUEUE = """
    select subject_key, attribute_name, correcting_department
    from internal.rpt_stewardship_queue where subject_type = 'person'
"""


def test_a_disagreement_leaves_the_queue_when_a_later_delivery_agrees(
    fixture_warehouse: Path,
) -> None:
    """Day 1: the grid channel writes A's name unlike the register (张叁 / 张三): open,
    for the grid to correct. Day 2 its new collection writes 张三: gone, while B's
    residence (the register's later word, the grid to correct) stays open."""
    day1 = set(query(fixture_warehouse.with_name("day1.duckdb"), QUEUE))
    day2 = set(query(fixture_warehouse, QUEUE))
    a_name = (pseudonym(P["A"]), "name", "grid")
    b_residence = (pseudonym(P["B"]), "residence_room", "grid")
    assert a_name in day1 and b_residence in day1
    assert a_name not in day2 and b_residence in day2
    assert not {row for row in day2 if row[0] == pseudonym(P["A"])}
    # the published counts follow the queue: one name disagreement fewer for the grid
    counts = """
        select coalesce(sum(open_count), 0) from marts.rpt_stewardship_counts
        where correcting_department = 'grid' and attribute_name = 'name'
    """
    before = query(fixture_warehouse.with_name("day1.duckdb"), counts)[0][0]
    after = query(fixture_warehouse, counts)[0][0]
    assert before - after == 1
