"""End to end on `tiny`: every received row is accounted for, planted defects are caught."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
from typer.testing import CliRunner

from ingest import raw_store
from tests.conftest import TinyPipeline


def _count_data_rows(path: Path, written: dict[tuple[str, str, str], int]) -> int:
    """Data rows as delivered, counted independently of the ingest's readers."""
    suffix = path.suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if suffix == ".jsonl":
        return sum(1 for line in path.read_bytes().splitlines() if line.strip())
    if suffix == ".xlsx":
        return pl.read_excel(path, sheet_id=1, infer_schema_length=0).height
    # CSV: the rows the generator wrote (a stray quote planted in a line-bound file
    # makes any RFC 4180 reader join lines, so no reader can count them as delivered).
    return written[(path.parent.parent.name, path.parent.name, path.name)]


def _written(ground_truth: Path) -> dict[tuple[str, str, str], int]:
    summary = json.loads((ground_truth / "summary.json").read_text(encoding="utf-8"))
    return {(f["feed"], f["delivery_date"], f["file"]): f["rows"] for f in summary["files"]}


def _complete_delivered_files(landing: Path) -> list[Path]:
    return sorted(
        f
        for success in landing.glob("*/*/_SUCCESS")
        for f in success.parent.iterdir()
        if f.name != "_SUCCESS"
    )


def test_every_complete_delivered_file_is_accounted_for(tiny_pipeline: TinyPipeline) -> None:
    from ingest.api import status

    rows = status(tiny_pipeline.settings)
    by_key = {(r.feed, str(r.delivery_date), r.file): r for r in rows}
    landing = tiny_pipeline.settings.landing
    delivered = _complete_delivered_files(landing)
    assert delivered, "the generator delivered nothing"
    written = _written(tiny_pipeline.settings.ground_truth)
    for path in delivered:
        feed, day = path.parent.parent.name, path.parent.name
        r = by_key.get((feed, day, path.name))
        assert r is not None, f"delivered file not in the accounting: {path}"
        if path.is_symlink():  # refused unread, counted with 0 rows
            assert (r.status, r.received, r.loaded) == ("refused", 0, 0), path
            continue
        assert r.received == _count_data_rows(path, written), path
        assert r.received == r.loaded + r.quarantined, path
        if r.status == "duplicate":
            assert r.duplicate_of, path
    assert len(by_key) == len(delivered), "accounting lists files that were not delivered"
    # Every planted identical / corrected re-delivery shows as such.
    manifest = _manifest(tiny_pipeline)
    statuses = {(r.feed, r.file): set() for r in rows}
    for r in rows:
        statuses[(r.feed, r.file)].add(r.status)
    for m in manifest.filter(pl.col("level") == "file").iter_rows(named=True):
        if "identical" in m["defect"]:
            assert "duplicate" in statuses[(m["feed"], m["file"])], m
        elif "correct" in m["defect"]:
            assert "superseded" in statuses[(m["feed"], m["file"])], m


def test_incomplete_deliveries_are_not_loaded(tiny_pipeline: TinyPipeline) -> None:
    landing = tiny_pipeline.settings.landing
    incomplete = [d for d in landing.glob("*/*") if d.is_dir() and not (d / "_SUCCESS").exists()]
    assert incomplete, "the generator should plant at least one delivery without _SUCCESS"
    with duckdb.connect(str(tiny_pipeline.settings.warehouse), read_only=True) as con:
        loaded = con.sql(
            "select distinct feed, cast(delivery_date as varchar) from audit.batches"
        ).fetchall()
    for folder in incomplete:
        assert (folder.parent.name, folder.name) not in loaded


def _manifest(tiny_pipeline: TinyPipeline) -> pl.DataFrame:
    return pl.read_parquet(tiny_pipeline.settings.ground_truth / "manifest.parquet")


def test_every_row_level_planted_defect_is_quarantined_or_flagged(
    tiny_pipeline: TinyPipeline,
) -> None:
    manifest = _manifest(tiny_pipeline).filter(pl.col("level") == "row")
    assert manifest.height > 0
    with duckdb.connect(str(tiny_pipeline.settings.warehouse), read_only=True) as con:
        quarantined = con.sql(
            "select file, cast(delivery_date as varchar) as d, row_number from audit.quarantine"
        ).pl()
        kinds = manifest["file_kind"].unique().to_list()
        flagged = pl.concat(
            [
                con.sql(
                    f"select _file as file, cast(_delivery_date as varchar) as d, _row_number "
                    f"as row_number from raw.{kind} where _flags is not null"
                ).pl()
                for kind in kinds
            ]
        )
    caught = pl.concat([quarantined, flagged]).unique()
    planted = manifest.select(
        "defect", "file", pl.col("delivery_date").cast(pl.String).alias("d"), "row_number"
    )
    # Rows of a file that was later superseded by a corrected re-delivery are
    # checked through the corrected file only.
    live = _live_files(tiny_pipeline)
    planted = planted.join(live, on=["file", "d"], how="semi")
    missed = planted.join(caught, on=["file", "d", "row_number"], how="anti")
    assert missed.height == 0, f"planted defects not caught:\n{missed.group_by('defect').len()}"


def _live_files(tiny_pipeline: TinyPipeline) -> pl.DataFrame:
    with duckdb.connect(str(tiny_pipeline.settings.warehouse), read_only=True) as con:
        return con.sql(
            "select file, cast(delivery_date as varchar) as d from audit.batches "
            f"where {raw_store.live_sql()}"
        ).pl()


def test_second_ingest_is_a_no_op(tiny_pipeline: TinyPipeline) -> None:
    from ingest.api import ingest

    def snapshot() -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(tiny_pipeline.settings.warehouse), read_only=True) as con:
            batches = con.sql(
                "select batch_id, status, received, loaded, quarantined from audit.batches "
                "order by batch_id"
            ).fetchall()
            counts = con.sql("select count(*) from audit.quarantine").fetchall()
        return batches, counts

    before = snapshot()
    ingest(tiny_pipeline.settings)
    assert snapshot() == before


def test_status_json_prints_the_accounting_per_file(
    tiny_pipeline: TinyPipeline, monkeypatch
) -> None:
    from cli import app as cli
    from zhiwang import settings as settings_module

    monkeypatch.setattr(cli, "_settings", lambda: tiny_pipeline.settings)
    result = CliRunner().invoke(cli.app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows
    required = {"feed", "delivery_date", "file", "received", "loaded", "quarantined", "status"}
    assert all(required <= set(r) <= required | {"duplicate_of"} for r in rows)
    assert all(r["received"] == r["loaded"] + r["quarantined"] for r in rows)
    assert {r["status"] for r in rows} <= {
        "loaded",
        "rejected",
        "refused",
        "superseded",
        "duplicate",
    }
    assert all(("duplicate_of" in r) == (r["status"] == "duplicate") for r in rows)
    del settings_module


def test_no_false_refusals_every_quarantined_row_is_a_planted_defect(
    tiny_pipeline: TinyPipeline,
) -> None:
    """The false-refusal figure (bench/ingest.py prints it at any scale) is 0: no row
    the manifest calls clean is quarantined, and each planted quarantine carries the
    planted reason, whatever the address code says about the birth year."""
    from bench.ingest import false_refusals

    figure = false_refusals(tiny_pipeline.settings)
    assert figure["quarantined"] > 0
    assert figure["false_refusals"] == 0, figure["sample"]
    manifest = _manifest(tiny_pipeline)
    files = manifest.filter(pl.col("level") == "file")
    assert {"symlink", "mixed_line_endings"} <= set(files["defect"])
    rows = set(manifest.filter(pl.col("level") == "row")["defect"])
    assert "unbalanced_quote" in rows and rows & {"nul_byte", "record_too_long"}
