"""Whole files through ``ingest``: malformed input, accounting, re-delivery, crashes."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from ingest import raw_store
from ingest.api import ingest, status
from tests.ingest.factory import (
    DAY,
    GA_HEADER,
    ROOM,
    citizen_id,
    deliver,
    ga_file,
    ga_row,
    grid_line,
    one,
    run,
    sql,
    uscc,
)
from zhiwang.settings import Settings


def test_gbk_csv_with_rfc4180_quoting_and_a_truncated_row(settings: Settings) -> None:
    rows = [
        ga_row(1, XM='"王,五"'),  # quoted comma
        ga_row(3, XM='"说""明"'),  # doubled quote
        ga_row(5, XM='"两\r\n行"'),  # line break inside quotes
        ga_row(7).rsplit(",", 3)[0],  # truncated: too few fields
        ga_row(9) + ",extra",  # too many
        '"' + ga_row(11).replace(",", '","') + '","x"',  # quoted and too many
        ga_row(13),
    ]
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file(rows)})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    # The register's records may not span lines (its contract): the line break inside
    # quotes leaves two lines with an unbalanced quote, each quarantined alone.
    assert (r.received, r.loaded, r.quarantined) == (8, 3, 5)
    names = sql(settings, "select _row_number, xm from raw.ga_rkxx order by 1")
    assert names == [(1, "王,五"), (2, '说"明'), (8, "张三")]
    bad = sql(
        settings, "select row_number, reason_code, original_text from audit.quarantine order by 1"
    )
    assert [(b[0], b[1]) for b in bad] == [
        (3, "unbalanced_quote"),
        (4, "unbalanced_quote"),
        (5, "field_count"),
        (6, "field_count"),
        (7, "field_count"),
    ]
    assert bad[2][2] == ga_row(7).rsplit(",", 3)[0]


def test_utf8_file_where_gbk_expected_is_read_and_noted(settings: Settings) -> None:
    deliver(
        settings.landing,
        "population",
        DAY,
        {"ga_rkxx_20261001.csv": ga_file([ga_row(1)], encoding="utf-8")},
    )
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.status, r.loaded) == ("loaded", 1)
    assert "UTF-8" in r.message
    assert sql(settings, "select xm, _flags from raw.ga_rkxx") == [("张三", "encoding_fallback")]


def test_undecodable_file_is_rejected_whole_with_every_row_quarantined(
    settings: Settings,
) -> None:
    # More undecodable lines than a few damaged ones: not the contract's encoding.
    content = ga_file([ga_row(1), ga_row(3)]) + b"\xff\xff\xff,\x81\r\n" * 6
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": content})
    report = run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.status, r.received, r.loaded, r.quarantined) == ("rejected", 8, 0, 8)
    assert "does not decode" in r.message and report.rejected
    assert sql(settings, "select distinct reason_code from audit.quarantine") == [
        ("file_rejected",)
    ]


def test_empty_files(settings: Settings) -> None:
    deliver(
        settings.landing,
        "population",
        DAY,
        {"ga_rkxx_20261001.csv": b"", "grid_rkcj_20261001.jsonl": b""},
    )
    deliver(
        settings.landing,
        "population",
        DAY + timedelta(1),
        {"ga_rkxx_20261002.csv": (GA_HEADER + "\r\n").encode("gbk")},
    )
    run(settings)
    zero = one(settings, "ga_rkxx_20261001.csv")
    assert (zero.status, zero.received) == ("rejected", 0)
    assert "empty" in zero.message
    header_only = one(settings, "ga_rkxx_20261002.csv")
    assert (header_only.status, header_only.received, header_only.loaded) == ("loaded", 0, 0)
    assert one(settings, "grid_rkcj_20261001.jsonl").received == 0


def test_incomplete_delivery_is_reported_not_loaded(settings: Settings) -> None:
    deliver(
        settings.landing,
        "population",
        DAY,
        {"ga_rkxx_20261001.csv": ga_file([ga_row(1)])},
        complete=False,
    )
    report = run(settings)
    assert report.incomplete == ["population/2026-10-01"]
    assert status(settings) == []
    assert "population/2026-10-01" in report.summary()


def test_broken_header_rejects_file_and_accounts_every_row(settings: Settings) -> None:
    header = GA_HEADER.replace("GXSJ", "UPDATED")
    content = "\n".join([header, ga_row(1), ga_row(3)]).encode("gbk")
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": content})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.status, r.received, r.quarantined) == ("rejected", 2, 2)
    assert "GXSJ" in r.message


def test_header_tolerates_order_case_spaces_bom_and_reports_extras(settings: Settings) -> None:
    cols = GA_HEADER.split(",")
    values = dict(zip(cols, ga_row(1).split(","), strict=True))
    order = list(reversed(cols))
    header = ",".join(f" {c.lower()} " for c in order) + ",EXTRA"
    line = ",".join(values[c] for c in order) + ",1"
    content = b"\xef\xbb\xbf" + f"{header}\n{line}\n".encode()
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": content})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.status, r.loaded) == ("loaded", 1), r.message
    assert "EXTRA" in r.message
    assert sql(settings, "select gmsfhm, mzdm from raw.ga_rkxx") == [(citizen_id(1), "01")]


def test_jsonl_bad_lines_quarantined_and_values_typed(settings: Settings) -> None:
    lines = [
        grid_line(1),
        "{not json",
        "[1, 2]",
        "",
        grid_line(
            2, id_number=citizen_id(2)[:6] + citizen_id(2)[8:17], lon="１１３.９"
        ),  # 15 digits, full width
        grid_line(3, collected_at="2026-09-30T02:00:00Z", tags="disabled|dibao"),
        grid_line(4, note={"nested": True}),
    ]
    deliver(settings.landing, "population", DAY, {"grid_rkcj_20261001.jsonl": "\n".join(lines)})
    run(settings)
    r = one(settings, "grid_rkcj_20261001.jsonl")
    assert (r.received, r.loaded, r.quarantined) == (6, 4, 2)
    got = sql(
        settings,
        "select _row_number, lon, collected_at, tags, _flags from raw.grid_rkcj order by 1",
    )
    assert got[1][1] == 113.9
    assert "id_upgraded_15:id_number" in got[1][4] and "fullwidth_normalised:lon" in got[1][4]
    assert str(got[2][2]) == "2026-09-30 10:00:00"
    assert got[2][3] == ["disabled", "dibao"]
    assert sql(settings, "select row_number, reason_code from audit.quarantine order by 1") == [
        (2, "bad_json"),
        (3, "bad_json"),
    ]


def test_row_rules_and_duplicates_are_flagged(settings: Settings) -> None:
    rows = [
        ga_row(1, CSRQ="20990101"),
        ga_row(3, RZRQ="20250101", LKRQ="20240101"),
        ga_row(5),
        ga_row(5),
        ga_row(7),
        ga_row(7, XM="李四"),
    ]
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file(rows)})
    run(settings)
    flags = sql(settings, "select _flags from raw.ga_rkxx order by _row_number")
    assert [f[0] for f in flags] == [
        "birth_date_in_future",
        "move_out_before_move_in",
        None,
        "duplicate_in_file",
        None,
        "duplicate_key_in_file",
    ]


def test_rental_end_before_start_is_flagged(settings: Settings) -> None:
    header = (
        "filing_id,room_code,landlord_id_number,tenant_id_number,start_date,end_date,"
        "monthly_rent,status,op,updated_at"
    )
    row = (
        f"F1,{ROOM},{citizen_id(1)},{citizen_id(2)},2026-05-01,2026-04-01,1500,active,I,"
        "2026-09-30 10:00:00"
    )
    deliver(settings.landing, "housing", DAY, {"zlba_20261001.csv": f"{header}\n{row}\n"})
    run(settings)
    assert sql(settings, "select _flags from raw.zlba") == [("end_before_start",)]


def _xlsx(rows: list[list[object]], sheet: str = "社会组织") -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    ws.write_row(
        0,
        0,
        [
            "统一社会信用代码",
            "名称",
            "类别",
            "业务范围",
            "法定代表人",
            "住所房屋编码",
            "登记日期",
            "状态",
            "评估等级",
            "专职工作人员数",
            "持证社工数",
        ],
    )
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, date):
                ws.write_datetime(i, j, pd_dt(value), date_fmt)
            elif value is not None:
                ws.write(i, j, value)
    book.close()
    return buf.getvalue()


def pd_dt(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def test_excel_numeric_cells_and_date_serials(settings: Settings) -> None:
    rows = [
        [
            uscc("51440306", "MA5F0002"),
            "协会",
            "社会团体",
            "",
            "赵六",
            ROOM,
            date(2015, 3, 1),
            "正常",
            "3A",
            12,
            3.0,
        ],
        [
            uscc("N2440306", "MA5F0003"),
            "合作社",
            "社会团体",
            "",
            "钱七",
            ROOM,
            "2016/04/05",
            "正常",
            None,
            "7",
            None,
        ],
        ["bad", "坏", "基金会", "", "孙八", 12345, 42000, "正常", "9A", "many", 1],
    ]
    deliver(settings.landing, "entities", DAY, {"mz_shzz_20261001.xlsx": _xlsx(rows)})
    run(settings)
    r = one(settings, "mz_shzz_20261001.xlsx")
    assert (r.received, r.loaded, r.quarantined) == (3, 2, 1)
    got = sql(
        settings, "select djrq, zzgzrys, czsgs, pgdj, _flags from raw.mz_shzz order by _row_number"
    )
    assert got[0][:4] == (date(2015, 3, 1), 12, 3, "3A")
    assert got[1][:4] == (date(2016, 4, 5), 7, None, None)
    assert sql(settings, "select reason_code, column_name from audit.quarantine") == [
        ("invalid_uscc", "统一社会信用代码")
    ]


def test_parquet_with_other_physical_types_is_cast_via_string(settings: Settings) -> None:
    frame = pl.DataFrame(
        {
            "room_code": [ROOM, ROOM[:-1] + "2"],
            "building_code": [ROOM[:17], ROOM[:17]],
            "floor": [1.0, 2.0],  # float where int expected
            "area_m2": [30, 45],  # int where decimal expected
            "use": ["residential", "Commercial"],
            "is_rental": [True, False],
            "updated_at": [datetime(2026, 9, 30, 10), datetime(2026, 9, 30, 11)],
        }
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    deliver(settings.landing, "housing", DAY, {"fw_20261001.parquet": buf.getvalue()})
    run(settings)
    got = sql(
        settings,
        "select floor, area_m2, use, is_rental, updated_at from raw.fw order by _row_number",
    )
    assert [g[:4] for g in got] == [(1, 30.0, "residential", True), (2, 45.0, "commercial", False)]
    assert str(got[1][4]) == "2026-09-30 11:00:00"


def test_unknown_file_names_are_rejected_and_reported(settings: Settings) -> None:
    deliver(settings.landing, "population", DAY, {"notes.txt": "hello"})
    report = run(settings)
    assert [r.file for r in report.rejected] == ["notes.txt"]
    assert "unknown file name" in report.rejected[0].message


def test_identical_redelivery_is_a_no_op(settings: Settings) -> None:
    content = {"ga_rkxx_20261001.csv": ga_file([ga_row(1), ga_row(3)])}
    deliver(settings.landing, "population", DAY, content)
    run(settings)
    before = sql(settings, "select batch_id, status from audit.batches")
    run(settings)
    assert sql(settings, "select batch_id, status from audit.batches") == before
    deliver(settings.landing, "population", DAY + timedelta(1), content)
    report = run(settings)
    assert len(report.skipped) == 1 and not report.loaded
    # status() lists the identical copy too, accounted as the version it repeats.
    got = [(r.delivery_date, r.status, r.received, r.duplicate_of) for r in status(settings)]
    assert got == [
        (DAY, "loaded", 2, None),
        (DAY + timedelta(1), "duplicate", 2, "2026-10-01/ga_rkxx_20261001.csv"),
    ]
    assert sql(settings, "select count(*) from raw.ga_rkxx") == [(2,)]


def test_corrected_redelivery_supersedes(settings: Settings) -> None:
    deliver(
        settings.landing,
        "population",
        DAY,
        {"ga_rkxx_20261001.csv": ga_file([ga_row(1), ga_row(3, CSRQ="bad")])},
    )
    run(settings)
    deliver(
        settings.landing,
        "population",
        DAY + timedelta(2),
        {"ga_rkxx_20261001.csv": ga_file([ga_row(1), ga_row(3), ga_row(5)])},
    )
    report = run(settings)
    assert report.superseded == ["population/2026-10-01/ga_rkxx_20261001.csv"]
    assert sql(settings, "select count(*), max(_delivery_date) from raw.ga_rkxx") == [
        (3, DAY + timedelta(2))
    ]
    assert sql(settings, "select status from audit.batches order by delivery_date") == [
        ("superseded",),
        ("loaded",),
    ]
    # Same folder re-delivered with new content also supersedes.
    deliver(
        settings.landing,
        "population",
        DAY + timedelta(2),
        {"ga_rkxx_20261001.csv": ga_file([ga_row(7)])},
    )
    run(settings)
    assert sql(settings, "select count(*) from raw.ga_rkxx") == [(1,)]
    assert [r.status for r in status(settings)].count("loaded") == 1
    assert [r.received for r in status(settings) if r.status == "loaded"] == [1]


def test_load_killed_before_commit_leaves_no_partial_batch(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file([ga_row(1)])})
    real_commit = raw_store.commit

    def dying_commit(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(raw_store, "commit", dying_commit)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings)
    orphans = list(settings.raw.glob("ga_rkxx/*.parquet"))
    assert len(orphans) == 1  # renamed into place, never committed
    assert sql(settings, "select count(*) from audit.batches") == [(0,)]
    assert sql(settings, "select count(*) from raw.ga_rkxx") == [(0,)]
    monkeypatch.setattr(raw_store, "commit", real_commit)
    run(settings)
    assert not orphans[0].exists()
    assert sql(settings, "select count(*) from raw.ga_rkxx") == [(1,)]
    assert len(list(settings.raw.glob("ga_rkxx/*.parquet"))) == 1


def test_crash_mid_file_removes_the_temp_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import api

    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file([ga_row(1)])})

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(api, "transform_chunk", boom)
    with pytest.raises(RuntimeError):
        ingest(settings)
    assert list(settings.raw.rglob("*.parquet")) == []
    assert sql(settings, "select count(*) from audit.batches") == [(0,)]


def test_file_read_in_many_blocks_matches_reading_it_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streaming: with tiny blocks, duplicates across blocks, a quoted line break that
    straddles a cut and bad records still come out exactly as from one block."""
    from ingest import readers

    rows = [ga_row(i) for i in range(1, 40)]
    rows[20] = ga_row(21, XM='"跨,块"')  # quoted separator
    rows[25] = ga_row(3)  # exact duplicate of an earlier block's row
    rows[30] = ga_row(5, XM="王五")  # same key (GMSFHM) as row 5, other values
    rows[33] = ga_row(34).rsplit(",", 2)[0]  # too few fields
    content = {"ga_rkxx_20261001.csv": ga_file(rows)}

    def load(block_bytes: int) -> tuple[list[tuple], list[tuple]]:
        monkeypatch.setattr(readers, "BLOCK_BYTES", block_bytes)
        s = Settings(
            var_dir=settings.var_dir / str(block_bytes), reference_dir=settings.reference_dir
        )
        deliver(s.landing, "population", DAY, content)
        run(s)
        loaded = sql(s, "select _row_number, gmsfhm, xm, _flags from raw.ga_rkxx order by 1")
        bad = sql(s, "select row_number, reason_code from audit.quarantine order by 1")
        return loaded, bad

    whole = load(1 << 20)
    assert load(256) == whole
    loaded, bad = whole
    assert bad == [(34, "field_count")]
    assert len(loaded) == 38
    by_row = {r[0]: r for r in loaded}
    assert by_row[21][2] == "跨,块"
    assert by_row[26][3] == "duplicate_in_file"
    assert by_row[31][3] == "duplicate_key_in_file"


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 1000])
def test_parquet_chunks_from_polars_reader_equal_pyarrow_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    """Parquet chunks come from polars' reader (row groups of each slice); pyarrow's
    batches through pl.from_arrow are the fallback and the reference."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ingest import readers
    from ingest.contract import load_feeds

    fk = next(f for f in load_feeds()["housing"].files if f.kind == "fw")
    table = pa.table(
        {
            "room_code": pa.array([ROOM, None, ROOM[:-1] + "2", ROOM[:-1] + "3", ROOM]),
            "building_code": pa.array([ROOM[:17]] * 5).dictionary_encode(),
            "floor": pa.array([1, 2, None, 4, 5], pa.int16()),
            "area_m2": pa.array([30.5, None, 45.0, 1e300, -0.0]),
            "use": pa.array(["residential", "Commercial", None, "x", ""], pa.large_string()),
            "is_rental": pa.array([True, False, None, True, False]),
            "updated_at": pa.array(
                [datetime(2026, 9, 30, 10), None, datetime(2026, 9, 30, 11)] * 1
                + [datetime(2000, 1, 1), datetime(2026, 1, 1)],
                pa.timestamp("ns", tz="UTC"),
            ),
            "tags": pa.array([["a"], [], None, ["b", "c"], ["d"]]),
        }
    )
    path = tmp_path / "fw_20261001.parquet"
    pq.write_table(table, path, row_group_size=2)

    def chunks() -> list[pl.DataFrame]:
        return [rows for rows, _ in readers.open_file(path, fk, chunk_rows=chunk_rows).chunks]

    got = chunks()

    def unreadable(*args: object, **kwargs: object) -> pl.LazyFrame:
        raise pl.exceptions.ComputeError("unsupported type")

    monkeypatch.setattr(readers.pl, "scan_parquet", unreadable)
    want = chunks()
    # pyarrow's batches end at row group boundaries; polars' slices are chunk_rows
    # long: the chunking differs, the rows (numbered across chunks) must not.
    assert all(c.height <= chunk_rows for c in got)
    assert [c.columns for c in got] == [want[0].columns] * len(got)
    g, w = (readers._as_string(pl.concat(c)) for c in (got, want))
    assert g["_row_number"].to_list() == ["1", "2", "3", "4", "5"]
    assert g.equals(w)


GGSS_HEADER = (
    "设施编码,设施名称,设施类型,主管部门,楼栋编码,社区代码,经度,纬度,容量类型,核定容量,"
    "在用数,持证社工数,启用日期,停用日期,状态,更新时间"
)


def test_gb18030_facilities_snapshot_keeps_characters_outside_gbk(settings: Settings) -> None:
    """FEEDS.md section 6: GB18030, not GBK. A name with a character only GB 18030
    encodes (4-byte sequence, CJK Extension B) loads intact; a 停用日期 before the
    启用日期 is flagged; a row without its last field is quarantined alone."""
    name = "宝安区𠀀养老院"  # U+20000 has no GBK code
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    building = "44030601700100001"
    rows = [
        f"MZ-YL-000001,{name},养老机构,民政,{building},440306017001,113.88,22.55,床位,120,90,,"
        "2015-01-01,,运营,2026-09-30 18:00:00",
        f"MZ-SG-000001,社工站,社工站,民政,{building},440306017001,113.88,22.55,工位,8,7,6,"
        "2015-01-01,2014-01-01,运营,2026-09-30 18:00:00",
        f"WJ-YY-000001,医院,医院,卫健,{building},440306017001,113.88,22.55,床位,300,260,,"
        "2015-01-01,,运营",
    ]
    body = "\r\n".join([GGSS_HEADER, *rows]) + "\r\n"
    deliver(settings.landing, "facilities", DAY, {"ggss_20261001.csv": body.encode("gb18030")})
    run(settings)
    (row,) = [r for r in status(settings) if r.file == "ggss_20261001.csv"]
    assert (row.status, row.received, row.loaded, row.quarantined) == ("loaded", 3, 2, 1)
    loaded = dict(sql(settings, "select ssbm, ssmc from raw.ggss"))
    assert loaded["MZ-YL-000001"] == name
    assert sql(settings, "select _flags from raw.ggss where ssbm = 'MZ-SG-000001'") == [
        ("end_before_start",)
    ]
    assert sql(settings, "select reason_code from audit.quarantine where kind = 'ggss'") == [
        ("field_count",)
    ]
    assert sql(settings, "select message from audit.batches where kind = 'ggss'") == [("",)]


def test_a_landing_folder_without_a_contract_is_reported_not_silently_skipped(
    settings: Settings,
) -> None:
    """Before the 2026-12 contracts, a `facilities/` delivery was never looked at and
    appeared nowhere. A folder no contract names is now named in the report."""
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file([ga_row(1)])})
    deliver(settings.landing, "parking", DAY, {"tcc_20261001.csv": "a,b\n1,2\n"})
    report = run(settings)
    assert report.unknown_feeds == ["parking (1 files)"]
    assert "no contract, not read:[/] parking (1 files)" in report.summary()
    # a run restricted to named feeds says nothing about other folders
    assert ingest(settings, feeds=["population"]).unknown_feeds == []


def _jfmx(rows: list[tuple[str, str, float, bool]]) -> bytes:
    """A contribution month file (缴费明细, Parquet) of (ID, insurance type, amount, paid)."""
    buf = io.BytesIO()
    pl.DataFrame(
        {
            "id_number": [r[0] for r in rows],
            "employer_uscc": [uscc()] * len(rows),
            "period": ["202609"] * len(rows),
            "insurance_type": [r[1] for r in rows],
            "base_yuan": [8000.0] * len(rows),
            "amount_yuan": [r[2] for r in rows],
            "paid": [r[3] for r in rows],
            "paid_date": ["2026-09-15" if r[3] else None for r in rows],
        }
    ).write_parquet(buf)
    return buf.getvalue()


def test_a_corrected_month_file_carries_row_fingerprints(settings: Settings) -> None:
    """jfmx asks for row fingerprints (contract `fingerprint: true`): equal delivered
    values give equal _row_hash in both deliveries of the month, a changed value
    another one (its key's _key_hash stays), and the padded ID the ingest normalises
    hashes as the clean one.
    The kinds that do not ask have no such column."""
    a, b = citizen_id(1), citizen_id(2)
    first = [(a, "pension", 640.0, True), (a, "medical", 160.0, False), (b, "pension", 1.0, True)]
    deliver(settings.landing, "social_security", DAY, {"jfmx_202609.parquet": _jfmx(first)})
    run(settings)
    query = "select insurance_type || id_number, _row_hash, _key_hash from raw.jfmx"
    before = {r[0]: r[1] for r in sql(settings, query)}
    keys_before = {r[0]: r[2] for r in sql(settings, query)}
    corrected = [
        (a, "pension", 640.0, True),
        (a, "medical", 160.0, True),
        (f" {b} ", "pension", 1.0, True),
    ]
    later = DAY + timedelta(days=2)
    deliver(settings.landing, "social_security", later, {"jfmx_202609.parquet": _jfmx(corrected)})
    run(settings)
    after = {r[0]: r[1] for r in sql(settings, query)}
    # the key fingerprint follows the business key only: the changed row keeps its own
    assert {r[0]: r[2] for r in sql(settings, query)} == keys_before
    assert len(set(keys_before.values())) == 3
    # the correction superseded the first delivery: the raw view holds its rows only
    assert sql(settings, "select distinct _delivery_date from raw.jfmx") == [(later,)]
    assert after["pension" + a] == before["pension" + a]
    assert after["medical" + a] != before["medical" + a]
    assert after["pension" + b] == before["pension" + b]
    assert len(set(after.values())) == 3
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file([ga_row(1)])})
    run(settings)
    columns = {r[0] for r in sql(settings, "select column_name from (describe raw.ga_rkxx)")}
    assert "_row_hash" not in columns and "_batch_id" in columns


def test_a_raw_month_written_before_fingerprints_reads_as_unfingerprinted(
    settings: Settings,
) -> None:
    """A warehouse whose contribution files predate row fingerprints: the next ingest
    makes the raw view again with the columns - the row fingerprint NULL for those
    rows (a model compares them as changed), the key fingerprint DuckDB's hash of the
    key (the duplicate rule compares keys within a file) - so dbt's staging reads it."""
    deliver(
        settings.landing,
        "social_security",
        DAY,
        {"jfmx_202609.parquet": _jfmx([(citizen_id(1), "pension", 640.0, True)])},
    )
    run(settings)
    (path,) = settings.raw.glob("jfmx/*.parquet")
    pl.read_parquet(path).drop("_row_hash", "_key_hash").write_parquet(path)
    with raw_store.connect(settings) as con:
        con.execute(f"create or replace view raw.jfmx as select * from read_parquet('{path}')")
    run(settings)
    rows = sql(settings, "select id_number, _row_hash, _key_hash from raw.jfmx")
    assert [r[:2] for r in rows] == [(citizen_id(1), None)] and rows[0][2] is not None
    # a correction with fingerprints beside it: the older file's rows keep a key hash
    deliver(
        settings.landing,
        "social_security",
        DAY + timedelta(days=1),
        {"jfmx_202608.parquet": _jfmx([(citizen_id(2), "pension", 640.0, True)])},
    )
    run(settings)
    rows = sql(settings, "select _row_hash is null, _key_hash is null from raw.jfmx order by 1")
    assert rows == [(False, False), (True, False)]
