"""The scheduled build tests the staging rows of untested batches only (issue 15).

dbt_project/macros/test_scope.sql scopes the feeds' staging data tests to rows of
batches not in ``audit.tested_batches`` when the var ``test_new_batches_only`` is
set; orchestration/service.py sets it and records the batches after each
successful build. A bad row in a new batch must still fail the build; a build by
hand (no var) still tests every row.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from ingest import raw_store
from orchestration.service import NEW_BATCHES_VAR
from tests.dbt.dbt_helpers import dbt_test_status, run_dbt

TEST = "not_null_stg_social_security__contributions_citizen_id"
VIEW = "staging.stg_social_security__contributions"
SCOPED = ["--vars", json.dumps({NEW_BATCHES_VAR: True})]


def _add_rows_to_view(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """Rename the staging contributions view to stg_contributions_as_built and put
    back one that adds ``rows_sql`` (a select over that view) to its rows."""
    con.execute(f"alter view {VIEW} rename to stg_contributions_as_built")
    con.execute(
        f"create view {VIEW} as select * from staging.stg_contributions_as_built "
        f"union all {rows_sql}"
    )


def _plant_null_row(warehouse: Path) -> list[str]:
    """A contribution row without a citizen ID in a batch ``planted`` (the staging view
    is wrapped, as if that batch had been loaded); every real batch recorded as tested.
    Returns the real batches' ids."""
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        _add_rows_to_view(
            con,
            "select * replace (cast(null as varchar) as citizen_id, "
            "'planted' as batch_id, 'planted:1' as source_row_id) "
            "from (select * from staging.stg_contributions_as_built limit 1)",
        )
        # the fixture's hand-made raw layer has batch ids but no audit.batches rows
        batches = [
            r[0]
            for r in con.execute(
                "select distinct batch_id from staging.stg_contributions_as_built"
            ).fetchall()
        ]
        raw_store.record_tested_batches(con, batches, datetime(2026, 10, 2))
        # the ingest records every batch it writes; a raw view reads only such batches
        con.execute(
            "insert into audit.batches (batch_id, feed, status, started_at) "
            "values ('planted', 'jfmx', 'loaded', ?)",
            [datetime(2026, 10, 2, 12)],
        )
    return batches


def test_a_bad_row_in_a_new_batch_fails_and_old_batches_are_not_retested(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    batches = _plant_null_row(warehouse)
    assert batches, "the fixture has loaded batches"
    # the planted batch is new: the scoped test sees its row and fails
    assert dbt_test_status(warehouse, tmp_path, TEST, *SCOPED) == "fail"
    # at run time the scope is the untested batch ids as literals (so DuckDB can skip
    # the tested batches' row groups by their statistics), not a subquery
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "batch_id in ('planted')" in log, log[-3000:]
    # once a successful build has tested that batch, the scoped test skips it ...
    with duckdb.connect(str(warehouse)) as con:
        assert raw_store.record_tested_batches(con, ["planted"], datetime(2026, 10, 3)) == 1
        assert raw_store.record_tested_batches(con, ["planted"], datetime(2026, 10, 4)) == 0
    assert dbt_test_status(warehouse, tmp_path, TEST, *SCOPED) == "pass"
    # ... and a build by hand, without the var, still tests every row
    assert dbt_test_status(warehouse, tmp_path, TEST) == "fail"


def test_only_the_feeds_row_level_staging_tests_are_scoped(compiled_manifest: dict) -> None:
    """Without the var no test is scoped (compiled_manifest compiles without it); the
    scoped set is the feeds' staging tests, whose kinds are all row-level."""
    scoped_kinds = set()
    for node in compiled_manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        assert "tested_batches" not in (node.get("compiled_code") or ""), node["unique_id"]
        if node["config"].get("meta", {}).get("new_batches_only"):
            assert node["original_file_path"].startswith("models/staging/"), node["unique_id"]
            scoped_kinds.add(node["test_metadata"]["name"])
    assert scoped_kinds == {"not_null", "accepted_values", "unique"}


GRAIN_TEST = (
    "unique_combination_of_columns_int_contribution_employer_months_employer_uscc__"
    "contribution_month"
)
ROWS_GRAIN_TEST = (
    "unique_combination_of_columns_int_contribution_rows_person_key__employer_uscc__"
    "contribution_month__insurance_type"
)


def test_a_duplicate_in_a_month_written_since_the_last_tested_batch_fails(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """int_contribution_employer_months' grain test is scoped to rows loaded since the
    oldest untested live batch started: a duplicate of such a row fails it; once every
    live batch is tested the scoped test skips the row (batches that never were live,
    which no build records, do not hold the scope open), and a build by hand still tests
    every row."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    new_load = datetime(2030, 1, 1)
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        con.execute(
            "insert into audit.batches (batch_id, feed, status, started_at) "
            "values ('new', 'jfmx', 'loaded', ?)",
            [new_load],
        )
        # batches no build ever tests, older than every row: a refused file, and a
        # delivery superseded before a build ran (never live when one started)
        con.execute(
            "insert into audit.batches (batch_id, feed, status, started_at) values "
            "('refused', 'jfmx', 'refused', ?), ('superseded', 'jfmx', 'superseded', ?)",
            [datetime(2000, 1, 1), datetime(2000, 1, 2)],
        )
        con.execute(
            "insert into intermediate.int_contribution_employer_months select one.* replace "
            "(cast(? as timestamp) as loaded_at) from "
            "(select * from intermediate.int_contribution_employer_months limit 1) as one "
            "cross join range(2)",
            [new_load],
        )

    assert dbt_test_status(warehouse, tmp_path, GRAIN_TEST, *SCOPED) == "fail"
    _scoped_pass_once_tested(warehouse, tmp_path, GRAIN_TEST, "new", datetime(2030, 1, 2))


def test_a_written_contribution_row_repeating_a_held_key_fails(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """A daily build writes only a correction's changed contribution rows
    (int_contribution_rows), so its grain test reads every row whose key a row written
    since the last successful scheduled build has, in the written rows' months (as
    literals): a written row repeating an older row's key fails it. Once a later build
    finished, the row counts as tested; a build by hand reads every row."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        raw_store.record_tested_batches(con, ["before"], datetime(2030, 1, 1))
        # the same key as a row written by the fixture's build, other values, written since
        con.execute(
            "insert into staging.int_contribution_rows select one.* replace "
            "(one.contribution_amount_yuan + 1 as contribution_amount_yuan, "
            "cast(? as timestamp) as _written_at) "
            "from (select * from staging.int_contribution_rows "
            "where contribution_month = date '2026-08-01' limit 1) as one",
            [datetime(2030, 1, 2)],
        )
    assert dbt_test_status(warehouse, tmp_path, ROWS_GRAIN_TEST, *SCOPED) == "fail"
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "contribution_month in (cast('2026-08-01' as date))" in log, log[-3000:]
    _scoped_pass_once_tested(warehouse, tmp_path, ROWS_GRAIN_TEST, "after", datetime(2030, 1, 3))


def _scoped_pass_once_tested(
    warehouse: Path, work: Path, test: str, batch_id: str, tested_at: datetime
) -> None:
    """Once a successful build has recorded ``batch_id`` as tested at ``tested_at``, the
    scoped ``test`` passes, and a build by hand (every row) still fails it."""
    with duckdb.connect(str(warehouse)) as con:
        raw_store.record_tested_batches(con, [batch_id], tested_at)
    assert dbt_test_status(warehouse, work, test, *SCOPED) == "pass"
    assert dbt_test_status(warehouse, work, test) == "fail"


def test_rows_since_tested_scope_is_only_on_tests_that_include_the_unique_key(
    compiled_manifest: dict,
) -> None:
    """The scope is sound only where the model is incremental and the tested columns
    include its unique_key (delete+insert removed the older rows of every key written)."""
    scoped = []
    for node in compiled_manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        if not node["config"].get("meta", {}).get("new_rows_since_tested"):
            continue
        model = compiled_manifest["nodes"][node["attached_node"]]
        assert model["config"]["materialized"] == "incremental", node["unique_id"]
        keys = model["config"]["unique_key"]
        keys = {keys} if isinstance(keys, str) else set(keys)
        kwargs = node["test_metadata"]["kwargs"]
        tested = set(kwargs.get("combination_of_columns") or [kwargs.get("column_name")])
        assert keys <= tested, node["unique_id"]
        scoped.append(node["unique_id"])
    assert any(GRAIN_TEST in uid for uid in scoped), scoped


PERSON_KEY_TEST = "unique_dim_person_person_key"
GRID_TEST = "not_null_fct_residence_spells_grid_code"


def test_rows_written_since_the_last_successful_build_are_tested_against_every_row(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """The per-person incrementals mark each row they write (_written_at, the build's
    start). Scoped, a test reads the rows written after the last successful scheduled
    build finished (max tested_at); uniqueness reads every row whose key a written row
    has, so a written row repeating an older row's key fails. A row written before that
    build was tested by it and is not read again; a build by hand reads every row."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    last_build, written = datetime(2030, 1, 1), datetime(2030, 1, 2)
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        # the fixture's rows were written before the last successful build finished
        raw_store.record_tested_batches(con, ["before"], last_build)
        assert con.execute("select max(_written_at) from internal.dim_person").fetchone()[0] < (
            last_build
        )
        # one person written again since, beside the older row of the same key
        con.execute(
            "insert into internal.dim_person select one.* replace (cast(? as timestamp) "
            "as _written_at) from (select * from internal.dim_person limit 1) as one",
            [written],
        )
        # a spell without a grid, written before the last build (so tested by it)
        con.execute(
            "insert into internal.fct_residence_spells select one.* replace (cast(null as "
            "varchar) as grid_code, cast(? as timestamp) as _written_at) "
            "from (select * from internal.fct_residence_spells limit 1) as one",
            [datetime(2029, 12, 31)],
        )
    assert dbt_test_status(warehouse, tmp_path, PERSON_KEY_TEST, *SCOPED) == "fail"
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "_written_at > cast('2030-01-01 00:00:00.000000' as timestamp)" in log, log[-3000:]
    assert dbt_test_status(warehouse, tmp_path, GRID_TEST, *SCOPED) == "pass"
    assert dbt_test_status(warehouse, tmp_path, GRID_TEST) == "fail"
    # once a later successful build finished, the written row counts as tested
    _scoped_pass_once_tested(warehouse, tmp_path, PERSON_KEY_TEST, "after", datetime(2030, 1, 3))


def test_written_rows_scope_is_only_on_incrementals_that_mark_every_row_they_write(
    compiled_manifest: dict,
) -> None:
    """A model asking for the scope (meta tests_written_rows) is a per-key incremental
    whose every written row carries the build's start (written_at())."""
    marked = []
    for node in compiled_manifest["nodes"].values():
        if not node["config"].get("meta", {}).get("tests_written_rows"):
            continue
        assert node["resource_type"] == "model", node["unique_id"]
        assert node["config"]["materialized"] == "incremental", node["unique_id"]
        assert node["config"]["unique_key"], node["unique_id"]
        assert "as _written_at" in node["compiled_code"], node["unique_id"]
        assert "_written_at" in node["columns"], node["unique_id"]
        marked.append(node["name"])
    assert {"dim_person", "fct_residence_spells", "int_residence_observations"} <= set(marked)


def test_the_projects_live_batch_rule_is_the_ingests(compiled_manifest: dict) -> None:
    """Which batches are live is decided by the ingest (raw_store.LIVE); dbt writes the
    rule once (macros/lineage.sql is_live_batch) for stg_audit__batches and the scope."""
    node = next(n for n in compiled_manifest["nodes"].values() if n["name"] == "stg_audit__batches")
    assert f"{raw_store.live_sql('status')} as is_live" in node["compiled_code"]


SOURCE_ROW_TEST = "unique_stg_social_security__contributions_source_row_id"


def test_a_repeated_source_row_fails_its_uniqueness_test(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """The staging source_row_id test (on DuckDB a per-batch bitstring first pass,
    macros/test_unique.sql) finds a row number repeated within a batch, also in a view
    whose row-number column has no statistics (a copied row through LIMIT), and reports
    that one pair, not an error."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        _add_rows_to_view(con, "(select * from staging.stg_contributions_as_built limit 1)")
    done = run_dbt(["test", "--select", SOURCE_ROW_TEST], warehouse, tmp_path)
    assert done.returncode != 0, done.stdout[-3000:]
    assert "Database Error" not in done.stdout, done.stdout[-3000:]
    assert "Got 1 result, configured to fail if != 0" in done.stdout, done.stdout[-3000:]
    # and with the column's statistics (the view as the ingest builds it) it passes
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"drop view {VIEW}")
        con.execute(f"alter view staging.stg_contributions_as_built rename to {VIEW.split('.')[1]}")
    assert dbt_test_status(warehouse, tmp_path, SOURCE_ROW_TEST) == "pass"


def test_a_source_row_without_its_row_number_fails_not_null(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """not_null on source_row_id tests the columns the id is made of
    (macros/test_not_null.sql): a row without a row number fails it."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    test = "not_null_stg_social_security__contributions_source_row_id"
    assert dbt_test_status(warehouse, tmp_path, test) == "pass"
    with duckdb.connect(str(warehouse)) as con:
        _add_rows_to_view(
            con,
            "select * replace (cast(null as bigint) as source_row_number, "
            "cast(null as varchar) as source_row_id) "
            "from (select * from staging.stg_contributions_as_built limit 1)",
        )
    assert dbt_test_status(warehouse, tmp_path, test) == "fail"
