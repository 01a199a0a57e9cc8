"""GX's SQL datasource on a DuckDB file: the cause of the empty results, and the fix."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "small.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.t as select range as id, range % 3 as g from range(90)")
    return path


def test_duckdb_engine_loses_a_result_fetched_after_its_connection_closed(small_db: Path) -> None:
    # GX fetches this way; if this ever returns the row, the work-around can go
    engine = sa.create_engine(f"duckdb:///{small_db}")
    with engine.connect() as connection:
        result = connection.execute(sa.text("select count(*) from raw.t"))
    assert result.fetchall() == []
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from raw.t")).fetchall() == [(90,)]
    engine.dispose()


def test_gx_on_duckdb_resolves_metrics_with_the_fix(small_db: Path) -> None:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations.gx_duckdb import install_duckdb_fetch_fix, release_duckdb_connections

    install_duckdb_fetch_fix()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(name="small", connection_string=f"duckdb:///{small_db}")
    asset = source.add_query_asset(name="t", query="select * from raw.t")
    batch = asset.add_batch_definition_whole_table("whole").get_batch()

    count = batch.validate(gxe.ExpectTableRowCountToBeBetween(min_value=90, max_value=90))
    assert count.success and count.result["observed_value"] == 90
    between = batch.validate(
        gxe.ExpectColumnValuesToBeBetween(column="g", min_value=0, max_value=1),
        result_format="SUMMARY",
    )
    assert not between.success and between.result["unexpected_count"] == 30
    bad = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"))
    assert not bad.success  # a failing metric must not poison the shared connection ...
    after = batch.validate(gxe.ExpectColumnMeanToBeBetween(column="id", min_value=44, max_value=45))
    assert after.success and after.result["observed_value"] == 44.5  # ... for the next one

    release_duckdb_connections()
    with duckdb.connect(str(small_db)) as con:  # the file is free for this process again
        con.execute("create table raw.written_after as select 1 as x")
