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
from tests.dbt.dbt_helpers import dbt_test_status

TEST = "not_null_stg_social_security__contributions_citizen_id"
VIEW = "staging.stg_social_security__contributions"
SCOPED = ["--vars", json.dumps({NEW_BATCHES_VAR: True})]


def _plant_null_row(warehouse: Path) -> list[str]:
    """A contribution row without a citizen ID in a batch ``planted`` (the staging view
    is wrapped, as if that batch had been loaded); every real batch recorded as tested.
    Returns the real batches' ids."""
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        con.execute(f"alter view {VIEW} rename to stg_contributions_as_built")
        con.execute(
            f"create view {VIEW} as select * from staging.stg_contributions_as_built "
            "union all select * replace (cast(null as varchar) as citizen_id, "
            "'planted' as batch_id, 'planted:1' as source_row_id) "
            "from (select * from staging.stg_contributions_as_built limit 1)"
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
            "insert into audit.batches (batch_id, feed, started_at) values ('planted', 'jfmx', ?)",
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
    "unique_combination_of_columns_fct_contributions_person_key__employer_uscc__"
    "contribution_month__insurance_type"
)


def test_a_duplicate_in_a_month_written_since_the_last_tested_batch_fails(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """fct_contributions' grain test is scoped to rows loaded since the oldest untested
    batch started: a duplicate of such a row fails it; once every batch is tested the
    scoped test skips the row, and a build by hand still tests every row."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    new_load = datetime(2030, 1, 1)
    with duckdb.connect(str(warehouse)) as con:
        raw_store.ensure_schema(con)
        con.execute(
            "insert into audit.batches (batch_id, feed, started_at) values ('new', 'jfmx', ?)",
            [new_load],
        )
        con.execute(
            "insert into internal.fct_contributions select one.* replace (cast(? as timestamp) "
            "as loaded_at) from (select * from internal.fct_contributions limit 1) as one "
            "cross join range(2)",
            [new_load],
        )

    assert dbt_test_status(warehouse, tmp_path, GRAIN_TEST, *SCOPED) == "fail"
    with duckdb.connect(str(warehouse)) as con:
        raw_store.record_tested_batches(con, ["new"], datetime(2030, 1, 2))
    assert dbt_test_status(warehouse, tmp_path, GRAIN_TEST, *SCOPED) == "pass"
    assert dbt_test_status(warehouse, tmp_path, GRAIN_TEST) == "fail"


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
