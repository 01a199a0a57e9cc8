"""The serving copy holds only the marts and is swapped in atomically."""

from __future__ import annotations

import json
import threading
import time

import duckdb
import pytest

from orchestration.disclosure import audit, read_rules
from orchestration.locking import warehouse_lock
from orchestration.publish import publish_serving
from zhiwang.settings import Settings


def _warehouse(settings: Settings, persons: int) -> None:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema if not exists staging; create schema if not exists marts")
        con.execute(
            "create or replace table staging.stg_person as "
            "select '110101199003074514' as citizen_id, '张三' as name"
        )
        con.execute(
            "create or replace table marts.rpt_population as "
            f"select 'S' || i as street_code, {persons} as persons from range(3) t(i)"
        )
        con.execute("create or replace view marts.v_total as select sum(persons) as persons "
                    "from marts.rpt_population")  # fmt: skip
        # what dbt's on-run-end hook writes; these marts declare no person counts
        con.execute(
            "create schema if not exists internal; create or replace table "
            "internal.disclosure_rules as select 'x' as table_name, '{}' as rule where false"
        )


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path)


def test_serving_copy_holds_the_marts_and_no_staging(settings: Settings) -> None:
    _warehouse(settings, persons=5)
    result = publish_serving(settings, run_label="t1")
    assert set(result["tables"]) == {"marts.rpt_population", "marts.v_total"}
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        schemas = {
            r[0]
            for r in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
        assert "staging" not in schemas
        assert con.execute("select persons from marts.v_total").fetchone()[0] == 15
        assert con.execute("select run_label from marts._published").fetchone()[0] == "t1"
    assert not list(settings.serving.parent.glob("*.building-*"))


def test_no_bookkeeping_column_is_published(settings: Settings) -> None:
    """A mart's `_written_at` (when a build last rewrote a person's row: when their
    record changed) stays in the warehouse; every other column is copied."""
    _warehouse(settings, persons=5)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "create table marts.dim_person as select 'k' || i as person_key, "
            "3 as disclosure_level, timestamp '2026-12-05 08:00:00' as _written_at "
            "from range(6) t(i)"
        )
    publish_serving(settings)
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        columns = con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'dim_person' order by ordinal_position"
        ).fetchall()
        assert columns == [("person_key",), ("disclosure_level",)]
        assert con.execute("select count(*) from marts.dim_person").fetchone()[0] == 6


def test_a_reader_of_the_old_copy_is_not_disturbed_by_a_publish(settings: Settings) -> None:
    _warehouse(settings, persons=1)
    publish_serving(settings)
    # A dashboard query holds the old file open (read-only) during the publish.
    reader = duckdb.connect(str(settings.serving), read_only=True)
    try:
        _warehouse(settings, persons=2)
        publish_serving(settings)
        old = reader.execute("select sum(persons) from marts.rpt_population").fetchone()[0]
        assert old == 3
    finally:
        reader.close()
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select sum(persons) from marts.rpt_population").fetchone()[0] == 6


def test_a_stale_half_built_copy_is_removed_and_never_served(settings: Settings) -> None:
    _warehouse(settings, persons=1)
    settings.serving.parent.mkdir(parents=True, exist_ok=True)
    stale = settings.serving.with_name(settings.serving.name + ".building-99999")
    stale.write_bytes(b"half written")
    publish_serving(settings)
    assert not stale.exists()
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.rpt_population").fetchone()[0] == 3


def test_publish_without_marts_fails_and_keeps_the_previous_copy(settings: Settings) -> None:
    _warehouse(settings, persons=1)
    publish_serving(settings)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("drop view marts.v_total; drop table marts.rpt_population")
    with pytest.raises(RuntimeError, match="no tables"):
        publish_serving(settings)
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.rpt_population").fetchone()[0] == 3


def test_warehouse_lock_serialises_writers(tmp_path) -> None:
    warehouse = tmp_path / "w.duckdb"
    inside = []

    def writer(name: str) -> None:
        with warehouse_lock(warehouse):
            inside.append(("in", name))
            time.sleep(0.3)
            inside.append(("out", name))

    threads = [threading.Thread(target=writer, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Never two "in" in a row: the second writer waited for the first to leave.
    assert [kind for kind, _ in inside] == ["in", "out", "in", "out"]


def test_publish_refuses_a_warehouse_without_disclosure_rules(settings: Settings) -> None:
    _warehouse(settings, persons=5)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("drop table internal.disclosure_rules")
    with pytest.raises(RuntimeError, match="no disclosure rules"):
        publish_serving(settings)
    assert not settings.serving.exists()


def test_published_small_counts_are_suppressed_with_a_complement(settings: Settings) -> None:
    """A declared person count below the threshold is withheld in the copy, with a
    second cell of its street so the street total does not give it away; the
    warehouse keeps the exact values."""
    _warehouse(settings, persons=5)
    rule = {"person_counts": ["persons"], "groups": [["street_code"]]}
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "create or replace table marts.rpt_by_community as select * from (values "
            "('S1', 'C1', 2), ('S1', 'C2', 40), ('S1', 'C3', 9), ('S2', 'C4', 0), ('S2', 'C5', 7)) "
            "t(street_code, community_code, persons)"
        )
        con.execute(
            "insert into internal.disclosure_rules values ('rpt_by_community', ?)",
            [json.dumps(rule)],
        )
    publish_serving(settings)
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        rows = con.execute(
            "select community_code, persons, sdc_suppressed, sdc_suppressed_columns "
            "from marts.rpt_by_community order by community_code"
        ).fetchall()
        assert rows == [
            ("C1", None, True, "persons"),  # primary: 2 < 5
            ("C2", 40, False, None),
            ("C3", None, True, "persons"),  # complement: else 51 - 40 - 9 = 2
            ("C4", 0, False, None),  # a zero discloses nothing
            ("C5", 7, False, None),
        ]
        assert audit(con, read_rules_of(settings), "marts", 5) == []
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select sum(persons) from marts.rpt_by_community").fetchone()[0] == 58


def test_serving_views_are_evaluated_on_the_protected_copy(settings: Settings) -> None:
    """A view of the marts (the serving models, dbt_project/models/marts/serving) is
    computed again on the serving copy after disclosure control, so it sums the
    published cells, never the warehouse's exact small counts; the copy holds it
    as a table (it must not depend on the warehouse), views reading views included."""
    _warehouse(settings, persons=5)
    rule = {"person_counts": ["persons"], "groups": [["street_code"]]}
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "create or replace table marts.rpt_by_community as select * from (values "
            "('S1', 'C1', 2), ('S1', 'C2', 40), ('S1', 'C3', 9), ('S2', 'C5', 7)) "
            "t(street_code, community_code, persons)"
        )
        con.execute(
            "insert into internal.disclosure_rules values ('rpt_by_community', ?)",
            [json.dumps(rule)],
        )
        # named without the warehouse's catalog, as macros/serving.sql renders them
        con.execute(
            "create view marts.rpt_z_by_street as select street_code, sum(persons) as persons, "
            "count(persons) as published from marts.rpt_by_community group by street_code"
        )
        con.execute(
            "create view marts.rpt_a_top_street as select street_code from marts.rpt_z_by_street "
            "order by persons desc limit 1"
        )
        assert con.execute(
            "select persons from marts.rpt_z_by_street where street_code = 'S1'"
        ).fetchone() == (51,)
    result = publish_serving(settings)
    assert {"marts.rpt_z_by_street", "marts.rpt_a_top_street"} <= set(result["tables"])
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        assert con.execute(
            "select street_code, persons, published from marts.rpt_z_by_street order by 1"
        ).fetchall() == [("S1", 40, 1), ("S2", 7, 1)]
        assert con.execute("select * from marts.rpt_a_top_street").fetchall() == [("S1",)]
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_name like 'rpt_%'"
            ).fetchall()
        )
        assert set(kinds.values()) == {"BASE TABLE"}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select sum(persons) from marts.rpt_z_by_street").fetchone() == (58,)


def test_a_serving_view_reading_what_the_copy_lacks_stops_the_publish(settings: Settings) -> None:
    _warehouse(settings, persons=5)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create view marts.rpt_leak as select * from staging.stg_person")
    with pytest.raises(RuntimeError, match="serving views that read relations"):
        publish_serving(settings)
    assert not settings.serving.exists()


def read_rules_of(settings: Settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return read_rules(con)


def test_scoped_files_are_cut_from_the_protected_copy(settings: Settings, monkeypatch) -> None:
    """A scope's serving file (row-level security layer 2) holds the disclosure-controlled
    cells of the serving copy, never the warehouse's exact small counts."""
    import orchestration.scoped_serving as scoped

    _warehouse(settings, persons=5)
    rule = {"person_counts": ["persons"], "groups": [["street_code"]]}
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "create or replace table marts.dim_community as select * from (values "
            "('440306001001', '440306001000'), ('440306001002', '440306001000'), "
            "('440306001003', '440306001000'), ('440306002001', '440306002000')) "
            "t(community_code, street_code)"
        )
        con.execute(
            "create or replace table marts.dim_grid as select community_code || '001' "
            "as grid_code, community_code from marts.dim_community"
        )
        con.execute(
            "create or replace table marts.rpt_by_community as select c.*, p.persons "
            "from marts.dim_community as c join (values ('440306001001', 2), "
            "('440306001002', 40), ('440306001003', 9), ('440306002001', 3)) "
            "p(community_code, persons) using (community_code)"
        )
        con.execute(
            "insert into internal.disclosure_rules values ('rpt_by_community', ?)",
            [json.dumps(rule)],
        )
    spec = {
        "users": [{"username": "s", "street_code": "440306001000"}],
        "scoped_marts": {
            "dim_community": "community_code in {communities}",
            "dim_grid": "community_code in {communities}",
            "rpt_by_community": "community_code in {communities}",
        },
    }
    monkeypatch.setattr(scoped, "load_spec", lambda: spec)
    result = publish_serving(settings)
    (path,) = result["scopes"].values()
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute(
            "select community_code, persons, sdc_suppressed from marts.rpt_by_community "
            "order by community_code"
        ).fetchall()
        assert rows == [
            ("440306001001", None, True),  # 2: primary
            ("440306001002", 40, False),
            ("440306001003", None, True),  # its complement
        ]
        assert audit(con, read_rules_of(settings), "marts", 5) == []
