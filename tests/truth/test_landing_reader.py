"""The truth test's own reader (tests/truth/landing.py) on hand-written files:
the damaged-record rules of docs/DESIGN.md and the citizen-ID rule of
docs/IDENTIFIERS.md, checked without the generator or the ingest."""

from __future__ import annotations

from pathlib import Path

from stdnum.cn import ric

from tests.truth.landing import HEADERS, _csv_rows, citizen_id, live_files


def _with_check(body17: str) -> str:
    # stdnum computes the check character (its is_valid is stricter than the rule)
    return body17 + ric.calc_check_digit(body17 + "0")


def test_citizen_id_address_code_existed_at_any_time() -> None:
    baoan_1975 = _with_check("44030619750101001")  # 440306 exists since 1992
    shangshui_2005 = _with_check("41272320050101001")  # 412723 retired in 2000
    assert citizen_id(baoan_1975) == baoan_1975
    assert citizen_id(shangshui_2005) == shangshui_2005
    assert not ric.is_valid(baoan_1975)  # why stdnum's rule is not used
    assert citizen_id(_with_check("99999919900101001")) is None  # never a GB/T 2260 code
    assert citizen_id(_with_check("44030619900230001")) is None  # 30 February
    wrong = baoan_1975[:17] + ("0" if baoan_1975[17] != "0" else "1")
    assert citizen_id(wrong) is None
    # normalised: full-width digits, inner spaces and hyphens, lower-case x, 15 digits
    assert citizen_id(" ４４０３０６-1975 0101001" + baoan_1975[17].lower()) == baoan_1975
    legacy = citizen_id("440306750101001")
    assert legacy == baoan_1975


def test_damaged_register_records_do_not_count(tmp_path: Path) -> None:
    header = ",".join(HEADERS["ga_rkxx"])
    row = "{id},张三,1,19750101,01,1,,,20200101,,13800000000,I,2026-10-01 08:00:00"
    lines = [
        header,
        row.format(id="A1"),
        row.format(id="A2").replace("张三", '"张三'),  # a quote that never closes
        row.format(id="A3").replace("张三", "张\x00三"),  # NUL bytes
        row.format(id="A4").replace("张三", "张三" + "x" * 70_000),  # over the cap
        header,  # a copy of the header
        row.format(id="A5") + ",extra",  # another field count
        "",
        row.format(id="A6"),
    ]
    body = b"".join(
        line.encode("gbk") + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines)
    )
    body += "张三".encode()[:2] + b",undecodable\n"  # half a UTF-8 character: not GBK
    path = tmp_path / "ga_rkxx_20261001.csv"
    path.write_bytes(body)
    rows = _csv_rows(path, "ga_rkxx", "gbk")
    assert [(n, r["GMSFHM"], r["XM"]) for n, r in rows] == [(1, "A1", "张三"), (7, "A6", "张三")]


def test_symlinks_are_no_delivery(tmp_path: Path) -> None:
    folder = tmp_path / "population" / "2026-10-01"
    folder.mkdir(parents=True)
    (folder / "_SUCCESS").touch()
    (folder / "ga_rkxx_20261001.csv").write_text("GMSFHM\n")
    (folder / "ga_rkxx_20260930.csv").symlink_to("/etc/passwd")
    later = tmp_path / "population" / "2026-10-02"
    later.mkdir()
    (later / "_SUCCESS").touch()
    (later / "ga_rkxx_20261001.csv").symlink_to(folder / "ga_rkxx_20261001.csv")
    files = live_files(tmp_path, "population", "ga_rkxx_")
    assert [(d.isoformat(), p.name) for d, p in files] == [("2026-10-01", "ga_rkxx_20261001.csv")]
