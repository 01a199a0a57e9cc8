"""Hand-made delivery files for ingest tests (valid identifiers built by formula)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
from stdnum.cn import ric

from ingest.api import IngestReport, ingest, status
from zhiwang.settings import Settings

ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ROOM = "4403060170010000101001001"  # 新安街道 community 440306017001 + building/room
GRID = "440306017001001"
DAY = date(2026, 10, 1)

GA_HEADER = "GMSFHM,XM,XBDM,CSRQ,MZDM,HJLB,JZZBH,FWBM,RZRQ,LKRQ,LXDH,CZLX,GXSJ"


def citizen_id(seq: int, birth: str = "19950101", area: str = "440306") -> str:
    body = f"{area}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def org_code(body8: str) -> str:
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum(ORG_ALPHABET.index(ch) * w for ch, w in zip(body8, weights, strict=True)) % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(prefix8: str = "91440300", org8: str = "MA5F0001") -> str:
    body = prefix8 + org_code(org8)
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body, weights, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


def ga_row(seq: int, **over: str) -> str:
    values = {
        "GMSFHM": citizen_id(seq),
        "XM": "张三",
        "XBDM": "1",
        "CSRQ": "19900101",
        "MZDM": "01",
        "HJLB": "2",
        "JZZBH": "",
        "FWBM": ROOM,
        "RZRQ": "20200101",
        "LKRQ": "",
        "LXDH": "13800000000",
        "CZLX": "I",
        "GXSJ": f"2026-09-30 10:00:{seq % 60:02d}",
    }
    values.update(over)
    return ",".join(values[k] for k in GA_HEADER.split(","))


def deliver(
    landing: Path,
    feed: str,
    day: date,
    files: dict[str, bytes | str],
    complete: bool = True,
) -> Path:
    folder = landing / feed / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    if complete:
        (folder / "_SUCCESS").write_bytes(b"")
    return folder


def ga_file(rows: list[str], encoding: str = "gbk") -> bytes:
    return ("\r\n".join([GA_HEADER, *rows]) + "\r\n").encode(encoding)


def grid_line(seq: int, **over: object) -> str:
    obj: dict[str, object] = {
        "record_id": f"R{seq:06d}",
        "channel": "grid",
        "collector_id": "C01",
        "collected_at": "2026-09-30T10:00:00+08:00",
        "id_number": citizen_id(seq),
        "name": "李四",
        "phone": "+86 138-0000-0000",
        "room_code": ROOM,
        "grid_code": GRID,
        "lon": 113.88,
        "lat": 22.55,
        "employer_uscc": uscc(),
        "tags": ["elderly_alone"],
        "note": "",
    }
    obj.update(over)
    return json.dumps(obj, ensure_ascii=False)


def sql(settings: Settings, query: str) -> list[tuple]:
    """Rows of a query on the warehouse, read-only."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


def run(settings: Settings) -> IngestReport:
    """Ingest the landing folder; every file adds up: received = loaded + quarantined."""
    report = ingest(settings)
    for r in status(settings):
        assert r.received == r.loaded + r.quarantined, r
    return report


def one(settings: Settings, file: str):
    """The status row of one delivered file."""
    return next(r for r in status(settings) if r.file == file)
