"""Disclosure control of published person counts (orchestration/disclosure.py), hand-made marts."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from orchestration.disclosure import FLAG, FLAG_COLUMNS, Rule, audit, protect_table, suppress

THRESHOLD = 5

# one month of a street (S1), its communities and their grids, in one mart as
# rpt_population_structure holds them
STRUCTURE = [
    # level, code, street, community, managed, hukou, non_hukou
    ("street", "S1", "S1", None, 60, 20, 40),
    ("community", "C1", "S1", "C1", 3, 1, 2),
    ("community", "C2", "S1", "C2", 27, 9, 18),
    ("community", "C3", "S1", "C3", 30, 10, 20),
    ("grid", "G1", "S1", "C2", 20, 6, 14),
    ("grid", "G2", "S1", "C2", 7, 3, 4),
]
RULE = Rule.from_meta(
    "rpt_structure",
    {
        "person_counts": ["managed", "hukou", "non_hukou"],
        "row_sums": {"managed": ["hukou", "non_hukou"]},
        "derived": {"hukou_share": ["hukou", "managed"]},
        "groups": [["level", "street_code"]],
        "hierarchy": {
            "level_column": "level",
            "code_column": "code",
            "parents": {
                "grid": ["community", "community_code"],
                "community": ["street", "street_code"],
            },
        },
    },
)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    frame = pl.DataFrame(
        STRUCTURE,
        schema=["level", "code", "street_code", "community_code", "managed", "hukou", "non_hukou"],
        orient="row",
    ).with_columns(hukou_share=pl.col("hukou") / pl.col("managed"))
    con.register("structure", frame.to_arrow())
    con.execute("create table marts.rpt_structure as select * from structure")
    return con


def _published(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    frame = con.sql("select * from marts.rpt_structure").pl()
    return {row["code"]: row for row in frame.iter_rows(named=True)}


def test_small_counts_are_withheld_with_complements_in_rows_and_hierarchy(con) -> None:
    protect_table(con, "marts", RULE, THRESHOLD)
    rows = _published(con)
    # primary: C1 managed 3, hukou 1, non_hukou 2
    assert rows["C1"]["managed"] is None and rows["C1"]["hukou"] is None
    # C1 alone among the street's communities would be 60 - 27 - 30: a second one goes
    assert rows["C2"]["managed"] is None, "the smallest other community is the complement"
    assert rows["C3"]["managed"] == 30
    # G2's hukou 3 withheld: its row total 7 = 3 + 4 would give it away, and so would
    # its community's 9 = 6 + 3
    assert rows["G2"]["hukou"] is None
    assert rows["G2"]["non_hukou"] is None or rows["G2"]["managed"] is None
    assert rows["G1"]["hukou"] is None or rows["C2"]["hukou"] is None
    # a share is withheld with its count
    assert rows["C1"]["hukou_share"] is None and rows["G2"]["hukou_share"] is None
    assert rows["C1"][FLAG] is True and "managed" in rows["C1"][FLAG_COLUMNS]
    assert rows["C3"][FLAG] is False and rows["C3"][FLAG_COLUMNS] is None
    assert audit(con, {RULE.table: RULE}, "marts", THRESHOLD) == []


def test_audit_finds_a_cell_recoverable_from_its_total(con) -> None:
    """Primary suppression alone is not enough: the street total gives C1 back."""
    masks = suppress(con.sql("select * from marts.rpt_structure").pl(), RULE, THRESHOLD)
    assert masks["managed"].sum() >= 2
    con.execute(
        "create or replace table marts.rpt_structure as select * replace "
        "(case when managed < 5 then null else managed end as managed, "
        "case when hukou < 5 then null else hukou end as hukou, "
        "case when non_hukou < 5 then null else non_hukou end as non_hukou, "
        "case when hukou < 5 then null else hukou_share end as hukou_share), "
        "managed < 5 or hukou < 5 or non_hukou < 5 as sdc_suppressed, "
        "concat_ws(',', case when managed < 5 then 'managed' end, "
        "case when hukou < 5 then 'hukou' end, "
        "case when non_hukou < 5 then 'non_hukou' end) as sdc_suppressed_columns "
        "from marts.rpt_structure"
    )
    problems = audit(con, {RULE.table: RULE}, "marts", THRESHOLD)
    assert any("rpt_structure.managed" in p and "recoverable" in p for p in problems), problems


def test_audit_finds_a_small_count_left_published(con) -> None:
    con.execute(
        "create or replace table marts.rpt_structure as select *, false as sdc_suppressed, "
        "cast(null as varchar) as sdc_suppressed_columns from marts.rpt_structure"
    )
    problems = audit(con, {RULE.table: RULE}, "marts", THRESHOLD)
    assert any("published counts below 5" in p for p in problems), problems


def test_equal_candidates_give_the_same_complement_whatever_the_row_order() -> None:
    """C1 (4) is withheld; C2 and C3 (28 each) are equal candidates for its complement.
    Two builds that wrote the same rows in opposite orders withhold the same one."""
    rows = [("street", "S1", "S1", None, 60), ("community", "C1", "S1", "C1", 4),
            ("community", "C2", "S1", "C2", 28), ("community", "C3", "S1", "C3", 28)]  # fmt: skip
    rule = Rule.from_meta("rpt_tie", {"person_counts": ["managed"],
                                      "groups": [["level", "street_code"]]})  # fmt: skip
    withheld = []
    for ordered in (rows, rows[::-1]):
        con = duckdb.connect()
        con.execute("create schema marts")
        frame = pl.DataFrame(
            ordered, schema=["level", "code", "street_code", "community_code", "managed"],
            orient="row",
        )  # fmt: skip
        con.register("tie", frame.to_arrow())
        con.execute("create table marts.rpt_tie as select * from tie")
        protect_table(con, "marts", rule, THRESHOLD)
        withheld.append(
            sorted(
                r[0]
                for r in con.execute(
                    "select code from marts.rpt_tie where managed is null"
                ).fetchall()
            )
        )
    assert withheld[0] == withheld[1]
    assert len(withheld[0]) == 2 and "C1" in withheld[0]


def test_zero_is_not_withheld_and_threshold_is_configurable(con) -> None:
    protect_table(con, "marts", RULE, threshold=2)
    rows = _published(con)
    assert rows["C1"]["managed"] == 3, "3 is publishable at threshold 2"
    assert rows["C1"]["hukou"] is None, "1 is not"
    assert audit(con, {RULE.table: RULE}, "marts", 2) == []


def test_every_declared_column_is_a_column_of_its_mart() -> None:
    """A rule naming a column its mart does not have would protect nothing
    (publish skips absent columns): each declaration is checked against the
    model's documented, contract-enforced columns."""
    from pathlib import Path

    import yaml

    marts = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
    declared = 0
    for path in sorted(marts.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text("utf-8")) or {}).get("models", []):
            meta = (model.get("config") or {}).get("meta") or {}
            if "disclosure" not in meta:
                continue
            rule = Rule.from_meta(model["name"], meta["disclosure"])
            columns = {c["name"] for c in model.get("columns", [])}
            named = {*rule.person_counts, *rule.derived, *rule.row_sums}
            named |= {c for cs in (*rule.derived.values(), *rule.row_sums.values()) for c in cs}
            named |= {c for g in (*rule.groups, *rule.same_values) for c in g}
            if rule.hierarchy is not None:
                h = rule.hierarchy
                named |= {h.level_column, h.code_column, *h.by, *(p[1] for p in h.parents.values())}
            assert named <= columns, f"{model['name']}: {sorted(named - columns)} not columns"
            declared += 1
    assert declared >= 10


def test_a_figure_shown_twice_in_a_row_is_withheld_in_both_places() -> None:
    """The unlocated street's managed population is its unlocated population: when
    the unlocated column's complement falls on it, the managed cell goes too."""
    frame = pl.DataFrame(
        {
            "street": ["A", "B", "U"],
            "managed": [500, 400, 12],
            "unlocated": [3, 20, 12],
        }
    )
    rule = Rule.from_meta(
        "headline",
        {
            "person_counts": ["managed", "unlocated"],
            "groups": [["level"]],
            "same_values": [["managed", "unlocated"]],
        },
    )
    frame = frame.with_columns(level=pl.lit("street"))
    masks = suppress(frame, rule, THRESHOLD)
    # primary: A's 3 unlocated; complement: the smallest other unlocated, U's 12
    assert masks["unlocated"].to_list() == [True, False, True]
    # U's managed population is the same 12: withheld as well (and so, in the
    # managed column, another street's cell as its complement)
    assert masks["managed"].to_list()[2] is True
    assert sum(masks["managed"].to_list()) == 2
