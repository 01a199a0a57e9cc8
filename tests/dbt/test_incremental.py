"""A daily delivery updates the incremental facts; a full refresh agrees.

The fast test uses the hand-made fixture (built day by day in conftest); the
slow one replays generated `tiny` deliveries day by day through the real
ingest, as the orchestration does.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.dbt.dbt_helpers import (
    INCREMENTAL,
    build,
    dbt_ok,
    differences,
    query,
    relation_of,
    run_dbt,
)
from tests.dbt.raw_fixture import D1, D2, P
from zhiwang.settings import Settings

TABLES = list(INCREMENTAL)
LOOKUP = "int_contributor_pseudonyms"


def _full_refresh_copy(warehouse: Path, work: Path) -> Path:
    """A copy of ``warehouse`` whose incremental models were rebuilt from scratch."""
    copy = work / "full_refresh.duckdb"
    shutil.copy(warehouse, copy)
    dbt_ok(["run", "--full-refresh", "--select", *TABLES], copy, work)
    return copy


def test_daily_delivery_then_full_refresh_give_identical_facts(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    day1 = fixture_warehouse.with_name("day1.duckdb")
    # the second day changed the facts (late event states, a corrected month,
    # a person who moved, a channel conflict resolved: a row gone)
    # (the corrected month names no contributor the cache lacks: its pseudonyms stay)
    changed = differences(
        day1, fixture_warehouse, [t for t in TABLES if t != "int_contributor_pseudonyms"]
    )
    assert all(only_day1 + only_day2 > 0 for only_day1, only_day2 in changed.values()), changed
    assert changed["int_person_channel_conflicts"][0] > 0, changed

    refreshed = _full_refresh_copy(fixture_warehouse, tmp_path)
    assert differences(fixture_warehouse, refreshed, TABLES) == dict.fromkeys(TABLES, (0, 0))
    for table in TABLES:
        assert query(refreshed, f"select count(*) from {relation_of(table)}")[0][0] > 0


def test_a_corrected_month_replaces_the_month_as_a_whole(fixture_warehouse: Path) -> None:
    """Day 2 re-delivers August: the month is day 2's delivery (every row states it,
    the one delivered again unchanged too), the changed rows carry the new values, the
    row without an employer is replaced rather than kept twice, and the row the
    correction no longer carries (E's pension) is gone. The build wrote only the
    changed rows."""
    rows = query(
        fixture_warehouse,
        "select employer_uscc is null, insurance_type, contribution_amount_yuan, is_paid, "
        "delivery_date from internal.fct_contributions "
        "where contribution_month = date '2026-08-01' order by all",
    )
    day2 = D2
    assert rows == [
        (False, "medical", 400.0, True, day2),
        (False, "pension", 640.0, True, day2),
        (True, "medical", 400.0, True, day2),
    ]
    # the day-2 build wrote only the rows the correction changed (found by their
    # fingerprints); E's medical row, delivered again unchanged, is the day-1 row
    written = query(
        fixture_warehouse,
        "select employer_uscc is null, insurance_type, contribution_amount_yuan, "
        "_written_at = (select max(_written_at) from staging.int_contribution_rows) "
        "from staging.int_contribution_rows "
        "where contribution_month = date '2026-08-01' order by all",
    )
    assert written == [
        (False, "medical", 400.0, False),
        (False, "pension", 640.0, True),
        (True, "medical", 400.0, True),
    ]


def test_the_moving_as_of_date_alone_re_derives_a_persons_status(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """A register delivery nine months later restates one person (F) and moves the
    population as-of date past every fixture person's birthday: an incremental run
    gives every aged person their new age though no load touched them
    (int_person_status's status_valid_until), as a full refresh does."""
    warehouse = tmp_path / "later.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    status = "select person_key, age_years, as_of_date from internal.fct_person_status"
    before = {key: (age, on) for key, age, on in query(warehouse, status)}
    later = date(2027, 7, 1)
    with duckdb.connect(str(warehouse)) as con:
        restated = con.execute(
            "insert into raw.ga_rkxx select * replace ("
            "  ? as _delivery_date, ? as _loaded_at, 'ga_rkxx-20270701' as _batch_id,"
            "  'ga_rkxx_20270701' as _file, gxsj + interval 270 day as gxsj, 'U' as czlx)"
            " from raw.ga_rkxx where gmsfhm = ? and czlx = 'I'",
            [later, datetime(2027, 7, 1, 6), P["F"]],
        ).fetchone()
    assert restated == (1,)
    dbt_ok(["run", "--select", "+fct_person_status"], warehouse, tmp_path)
    after = {key: (age, on) for key, age, on in query(warehouse, status)}
    assert after.keys() == before.keys() and {on for _, on in after.values()} == {later}
    aged = [key for key, (age, _) in before.items() if age is not None]
    assert len(aged) >= 3, before
    assert all(after[key][0] == before[key][0] + 1 for key in aged), (before, after)
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    dbt_ok(["run", "--full-refresh", "--select", "int_person_status"], refreshed, tmp_path)
    assert differences(warehouse, refreshed, ["int_person_status"]) == {"int_person_status": (0, 0)}


PUBLIC = ["int_disclosure_cells", "dim_person_public"]
LEVELS = f"select person_key, disclosure_level from {relation_of('dim_person_public')}"


def _run_public(warehouse: Path, work: Path, k: str, *args: str) -> None:
    done = run_dbt(
        ["run", "--select", *PUBLIC, *args], warehouse, work, ZHIWANG_DISCLOSURE_THRESHOLD=k
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_the_published_persons_follow_their_cells_level_and_dim_person(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """dim_person_public rewrites only the persons dim_person wrote and those of the
    cells whose level changed: a new disclosure threshold changes levels without any
    person changing, and the incremental run republishes exactly those persons, as a
    full refresh would; a person dim_person no longer holds is dropped."""
    warehouse = tmp_path / "k2.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    _run_public(warehouse, tmp_path, "2")  # the fixture's persons are too few for k = 5
    before = dict(query(warehouse, LEVELS))
    written = f"select count(distinct _written_at) from {relation_of('dim_person_public')}"
    _run_public(warehouse, tmp_path, "3")
    after = dict(query(warehouse, LEVELS))
    moved = {key for key in before if after[key] != before[key]}
    assert after.keys() == before.keys() and moved and moved != before.keys(), (before, after)
    # the moved persons were rewritten, the others kept their row
    assert query(warehouse, written) == [(2,)]
    newest = query(
        warehouse,
        f"select person_key from {relation_of('dim_person_public')} "
        f"where _written_at = (select max(_written_at) from {relation_of('dim_person_public')})",
    )
    assert {key for (key,) in newest} == moved
    refreshed = tmp_path / "k2-refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    _run_public(refreshed, tmp_path, "3", "--full-refresh")
    assert differences(warehouse, refreshed, PUBLIC) == dict.fromkeys(PUBLIC, (0, 0))

    # a person gone from dim_person (a full refresh of it alone can lose one)
    gone = sorted(before)[0]
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"delete from {relation_of('dim_person')} where person_key = ?", [gone])
    _run_public(warehouse, tmp_path, "3")
    assert set(dict(query(warehouse, LEVELS))) == set(before) - {gone}
    # ... and so is its cell, if it was the cell's only person, as in a full refresh
    refreshed = tmp_path / "gone-refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    _run_public(refreshed, tmp_path, "3", "--full-refresh")
    assert differences(warehouse, refreshed, PUBLIC) == dict.fromkeys(PUBLIC, (0, 0))


@pytest.mark.slow
def test_generated_deliveries_day_by_day_equal_a_full_refresh(tmp_path: Path) -> None:
    from generator.api import generate
    from ingest.api import ingest

    start, days = date(2026, 10, 1), 3
    settings = Settings(var_dir=tmp_path / "var")
    generate(settings.landing, settings.ground_truth, scale="tiny", seed=42, start=start, days=days)
    models_only = ["--resource-type", "model", "--resource-type", "seed"]
    feeds = sorted(p.name for p in settings.landing.iterdir() if p.is_dir())
    # the transform first runs before the events feed arrived (it is triggered
    # per feed asset): the incremental facts start empty and must catch up
    ingest(settings, feeds=[f for f in feeds if f != "events"], delivery_date=start)
    build(settings.warehouse, tmp_path, *models_only)
    for day in range(days):
        ingest(settings, delivery_date=start + timedelta(days=day))
        build(settings.warehouse, tmp_path, *models_only)
    build(settings.warehouse, tmp_path)  # the data tests pass on the incremental result
    refreshed = _full_refresh_copy(settings.warehouse, tmp_path)
    facts = [t for t in TABLES if t != LOOKUP]
    assert differences(settings.warehouse, refreshed, facts) == dict.fromkeys(facts, (0, 0))
    # the pseudonym lookup keeps IDs of batches a re-delivery superseded, with the load
    # that first brought them: it may hold more than a full refresh, never less or other
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{settings.warehouse}' as inc (read_only)")
        con.execute(f"attach '{refreshed}' as ref (read_only)")
        missing = con.execute(
            f"select count(*) from (select citizen_id, person_key from ref.staging.{LOOKUP} "
            f"except select citizen_id, person_key from inc.staging.{LOOKUP})"
        ).fetchone()
    assert missing == (0,)


def test_a_superseded_batch_leaves_the_building_code_batches(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """int_building_code_batches keeps one row per batch and code, written once: when a
    re-delivery supersedes a batch (its rows leave the raw view), the next build drops
    that batch's rows, and the result equals a full refresh."""
    warehouse = tmp_path / "superseded.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    old, new = "fw-20261001", "fw-20261002"
    model = relation_of("int_building_code_batches")
    assert query(warehouse, f"select count(*) from {model} where batch_id = '{old}'")[0][0] > 0
    with duckdb.connect(str(warehouse)) as con:
        # what the ingest records when fw.csv of day 2 replaces day 1's (ingest/raw_store.py)
        con.execute(
            "create schema audit; create table audit.batches (batch_id varchar, feed varchar, "
            "kind varchar, delivery_date date, file varchar, received bigint, loaded bigint, "
            "quarantined bigint, status varchar, superseded_by varchar)"
        )
        con.execute(
            "insert into audit.batches values "
            f"('{old}', 'housing', 'fw', date '{D1}', 'fw.csv', 1, 1, 0, 'superseded', '{new}'), "
            f"('{new}', 'housing', 'fw', date '{D2}', 'fw.csv', 1, 1, 0, 'loaded', null)"
        )
        con.execute(f"delete from raw.fw where _batch_id = '{old}'")
    dbt_ok(
        ["run", "--select", "stg_audit__batches", "int_building_code_batches"], warehouse, tmp_path
    )
    assert query(warehouse, f"select count(*) from {model} where batch_id = '{old}'") == [(0,)]
    assert query(warehouse, f"select count(*) from {model} where batch_id = '{new}'")[0][0] > 0
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    dbt_ok(["run", "--full-refresh", "--select", "int_building_code_batches"], refreshed, tmp_path)
    tables = ["int_building_code_batches"]
    assert differences(warehouse, refreshed, tables) == {"int_building_code_batches": (0, 0)}


def test_a_re_delivered_file_replaces_its_dates_employer_mentions(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """int_entity_mention_days re-derives a delivery date as a whole: when a re-delivered
    insured-person file replaces the date's batch (its rows leave the raw view, the new
    batch's arrive), the date's counts are the new file's alone, as a full refresh has
    them, and the grid channel's counts of the date are unchanged."""
    warehouse = tmp_path / "redelivered.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    model = relation_of("int_entity_mention_days")
    new_code = "91440306MA5REDLV1X"

    def mentions(source: str) -> list[tuple]:
        return query(
            warehouse,
            f"select delivered_code, record_count from {model} where entity_source = "
            f"'{source}' and delivery_date = date '{D1}' order by 1",
        )

    grid_before = mentions("grid_collection")
    assert mentions("social_security_insured"), "the fixture's first day names no employer"
    with duckdb.connect(str(warehouse)) as con:
        (old_batch,) = con.execute(
            f"select distinct _batch_id from raw.cbry where _delivery_date = date '{D1}'"
        ).fetchone()
        rows = con.execute("select count(*) from raw.cbry where _batch_id = ?", [old_batch])
        (row_count,) = rows.fetchone()
        # what the raw view holds after the re-delivery of the date's file: the new
        # batch's rows (every employer code replaced by one new code), loaded now
        con.execute(
            "create temp table redelivered as select * from raw.cbry where _batch_id = ?",
            [old_batch],
        )
        con.execute(
            "update redelivered set _batch_id = 'cbry-redelivered', employer_uscc = ?, "
            "_loaded_at = (select max(_loaded_at) from raw.cbry) + interval 1 hour",
            [new_code],
        )
        con.execute("delete from raw.cbry where _batch_id = ?", [old_batch])
        con.execute("insert into raw.cbry select * from redelivered")
    dbt_ok(["run", "--select", "int_entity_mention_days"], warehouse, tmp_path)
    assert mentions("social_security_insured") == [(new_code, row_count)]
    assert mentions("grid_collection") == grid_before
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    dbt_ok(["run", "--full-refresh", "--select", "int_entity_mention_days"], refreshed, tmp_path)
    tables = ["int_entity_mention_days"]
    assert differences(warehouse, refreshed, tables) == {"int_entity_mention_days": (0, 0)}
