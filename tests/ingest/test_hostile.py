"""Deliveries as they really arrive: broken quoting, damaged lines, hostile paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest import readers
from ingest.api import status
from tests.ingest.factory import DAY, citizen_id, deliver, ga_file, ga_row, one, run, sql
from zhiwang.settings import Settings

RX_HEADER = "ticket_id,received_at,caller_phone,content,category,address_text,event_id,satisfaction"


def reasons(settings: Settings) -> list[tuple[int, str]]:
    return sql(settings, "select row_number, reason_code from audit.quarantine order by 1")


def rx_row(seq: int, content: str = "市民反映噪音") -> str:
    return f"RX{seq:08d},2026-09-30 10:00:00,13800000000,{content},噪音,新安街道,,5"


def test_stray_quote_in_the_register_costs_one_line_not_the_rest_of_the_file(
    settings: Settings,
) -> None:
    rows = [ga_row(i) for i in range(1, 202)]
    rows[50] = ga_row(51, XM='"王五')  # opens a quote and never closes it
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file(rows)})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.received, r.loaded, r.quarantined) == (201, 200, 1)
    assert reasons(settings) == [(51, "unbalanced_quote")]


def test_hotline_text_may_span_lines_and_a_stray_quote_resyncs(settings: Settings) -> None:
    rows = [rx_row(i) for i in range(1, 61)]
    rows[9] = rx_row(10, '"第一行\r\n第二行，""引号"""')  # a real multi-line text
    rows[20] = rx_row(21, '"没有闭合的引号')  # stray quote: never closes
    body = "\r\n".join([RX_HEADER, *rows]) + "\r\n"
    deliver(settings.landing, "events", DAY, {"rx12345_20261001.csv": body})
    run(settings)
    r = one(settings, "rx12345_20261001.csv")
    assert (r.received, r.loaded, r.quarantined) == (60, 59, 1)
    assert reasons(settings) == [(21, "unbalanced_quote")]
    texts = dict(sql(settings, "select ticket_id, content from raw.rx12345"))
    assert texts["RX00000010"] == '第一行\n第二行，"引号"'
    assert texts["RX00000022"] == "市民反映噪音"


def test_hotline_record_over_the_cap_resyncs_at_the_next_record(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [rx_row(i) for i in range(1, 41)]
    rows[5] = rx_row(6, '"' + "很长的文字\r\n" * 50 + '"')  # closes, but far over the cap
    body = "\r\n".join([RX_HEADER, *rows]) + "\r\n"
    from ingest.contract import load_feeds

    fk = next(f for f in load_feeds()["events"].files if f.kind == "rx12345")
    monkeypatch.setattr(fk, "max_record_bytes", 400)
    deliver(settings.landing, "events", DAY, {"rx12345_20261001.csv": body})
    run(settings)
    r = one(settings, "rx12345_20261001.csv")
    assert (r.loaded, r.quarantined) == (39, r.received - 39)
    assert {reason for _, reason in reasons(settings)} == {"record_too_long"}
    assert len(sql(settings, "select * from raw.rx12345 where ticket_id = 'RX00000007'")) == 1


def test_overlong_line_nul_bytes_bad_bytes_and_repeated_header(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", 512)  # the overlong line spans blocks
    rows = [ga_row(i).encode("gbk") for i in range(1, 61)]
    rows[9] = ga_row(10, XM="长" * 50_000).encode("gbk")  # 100 KB: over the 64 KiB cap
    rows[19] = ga_row(20, XM="张\x00三").encode("gbk")
    rows[29] = ga_row(30).encode("gbk").replace("张".encode("gbk"), b"\xff\x81")
    rows[39] = ga_file([])[:-2]  # the header again (two files concatenated)
    content = ga_file([]) + b"\r\n".join(rows) + b"\n"
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": content})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.received, r.loaded, r.quarantined) == (60, 56, 4)
    assert reasons(settings) == [
        (10, "record_too_long"),
        (20, "nul_byte"),
        (30, "bad_encoding"),
        (40, "repeated_header"),
    ]
    kept = sql(settings, "select max(length(original_text)) from audit.quarantine")[0][0]
    assert kept <= readers.KEEP_BYTES


def test_symlinks_and_paths_outside_landing_are_refused_and_counted(
    settings: Settings, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_bytes(ga_file([ga_row(1)]))
    folder = deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file([])})
    os.symlink(secret, folder / "ga_rkxx_20261002.csv")
    # A whole delivery folder that is a link to somewhere else.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ga_rkxx_20261003.csv").write_bytes(ga_file([ga_row(3)]))
    (elsewhere / "_SUCCESS").write_bytes(b"")
    os.symlink(elsewhere, settings.landing / "population" / "2026-10-03")
    report = run(settings)
    assert sql(settings, "select count(*) from raw.ga_rkxx") == [(0,)]
    refused = {r.file: r for r in status(settings) if r.status == "refused"}
    assert set(refused) == {"ga_rkxx_20261002.csv", "2026-10-03"}
    assert "symbolic link" in refused["ga_rkxx_20261002.csv"].message
    assert "symbolic link" in refused["2026-10-03"].message
    assert len(report.refused) == 2 and not report.rejected
    assert sql(settings, "select count(*) from audit.quarantine") == [(0,)]
    # Nothing new on a second run.
    again = run(settings)
    assert not again.refused and len(status(settings)) == 3


def test_file_over_the_size_cap_is_refused_unread(settings: Settings) -> None:
    settings = settings.model_copy(update={"max_file_bytes": 100})
    rows = [ga_row(i) for i in range(1, 5)]
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file(rows)})
    run(settings)
    r = one(settings, "ga_rkxx_20261001.csv")
    assert (r.status, r.received) == ("refused", 0)
    assert "over the cap" in r.message


def test_address_code_newer_than_the_birth_year_loads(settings: Settings) -> None:
    born_1975_baoan = citizen_id(7, birth="19750101", area="440306")  # Bao'an since 1992
    rows = [ga_row(1, GMSFHM=born_1975_baoan, CSRQ="19750101")]
    deliver(settings.landing, "population", DAY, {"ga_rkxx_20261001.csv": ga_file(rows)})
    run(settings)
    assert sql(settings, "select gmsfhm, _flags from raw.ga_rkxx") == [(born_1975_baoan, None)]


def test_blank_lines_before_the_header_and_a_damaged_header(settings: Settings) -> None:
    rows = [ga_row(i) for i in range(1, 4)]
    blank_first = b"\r\n\r\n" + ga_file(rows)
    damaged = ga_file(rows).replace(b"GMSFHM", b"GMS\x00FHM", 1)
    deliver(
        settings.landing,
        "population",
        DAY,
        {"ga_rkxx_20261001.csv": blank_first, "ga_rkxx_20261002.csv": damaged},
    )
    run(settings)
    ok, bad = one(settings, "ga_rkxx_20261001.csv"), one(settings, "ga_rkxx_20261002.csv")
    assert (ok.status, ok.received, ok.loaded) == ("loaded", 3, 3)
    assert (bad.status, bad.received, bad.quarantined) == ("rejected", 3, 3)


@pytest.mark.parametrize("block_bytes", [256, 1000, 4096, 1 << 20])
def test_hotline_blocks_end_before_a_record_start_whatever_the_quote_parity(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    """A stray quote flips the quote parity of everything after it; a block cut by
    parity would split a later multi-line text in two (found at district scale)."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", block_bytes)
    rows = [rx_row(i) for i in range(1, 61)]
    rows[5] = rx_row(6, '"没有闭合的引号')
    for i in (20, 30, 45):
        rows[i] = rx_row(i + 1, '"求助开锁\r\n补充：来电人要求回电"')
    body = "\r\n".join([RX_HEADER, *rows]) + "\r\n"
    deliver(settings.landing, "events", DAY, {"rx12345_20261001.csv": body})
    run(settings)
    r = one(settings, "rx12345_20261001.csv")
    assert (r.received, r.loaded, r.quarantined) == (60, 59, 1)
    assert reasons(settings) == [(6, "unbalanced_quote")]
    texts = dict(sql(settings, "select ticket_id, content from raw.rx12345"))
    assert texts["RX00000031"] == "求助开锁\n补充：来电人要求回电"
