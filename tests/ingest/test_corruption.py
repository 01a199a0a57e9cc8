"""The reader under attack: generated clean files, randomly damaged, then ingested.

Corruptions are applied to whole records of a valid generated file: a stray quote,
a line cut short, an invalid GBK/UTF-8 byte, NUL bytes, an overlong field, a BOM in
the middle of the file, a copy of the header, and CRLF/LF mixed at random (which
touches no row). The ingest must keep its accounting (received = loaded +
quarantined) and load every record no corruption touched.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import generate
from ingest.api import ingest, status
from ingest.contract import load_feeds
from zhiwang.settings import Settings

DAY = date(2026, 10, 1)
RECORDS = 40  # records kept per file: enough for block and resync paths, fast to ingest
# (feed, file kind, file name prefix, encoding, key column as delivered, raw key column)
FILES = [
    ("population", "ga_rkxx", "gbk", "GMSFHM", "gmsfhm"),
    ("events", "rx12345", "utf-8", "ticket_id", "ticket_id"),
    ("entities", "scjg_frxx", "utf-8-sig", "统一社会信用代码", "tyshxydm"),
]
CORRUPTIONS = [
    "stray_quote",
    "truncate",
    "bad_byte",
    "nul",
    "overlong",
    "bom",
    "header",
]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clean-gen")
    generate(root / "landing", root / "gt", scale="tiny", start=DAY, days=1, dirt=0.0)
    return root / "landing"


def _records(data: bytes, kind: str) -> tuple[bytes, list[bytes]]:
    """Header and records (without line ends) of a generated clean CSV file: one per
    line, except hotline texts with line breaks (a record starts with its ticket ID)."""
    lines = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").split(b"\n")
    lines = [ln for ln in lines if ln]
    records: list[bytes] = []
    for line in lines[1:]:
        if kind == "rx12345" and records and not line.startswith(b"RX"):
            records[-1] += b"\n" + line
        else:
            records.append(line)
    return lines[0], records


def _damage(record: bytes, how: str, pos: int, header: bytes) -> list[bytes]:
    """The physical lines that replace ``record``."""
    at = pos % (len(record) + 1)
    if how == "stray_quote":
        return [record[:at] + b'"' + record[at:]]
    if how == "truncate":
        return [record[: max(at, 1)]]
    if how == "bad_byte":
        return [record[:at] + b"\xff" + record[at:]]
    if how == "nul":
        return [record[:at] + b"\x00" + record[at:]]
    if how == "overlong":
        comma = record.find(b",")
        return [record[:comma] + b"," + b"x" * 70_000 + record[comma:]]
    if how == "bom":
        return [b"\xef\xbb\xbf" + record]
    if how == "header":
        return [header, record]  # the record itself stays intact
    raise AssertionError(how)


@st.composite
def damage_plans(draw: st.DrawFn) -> tuple[int, dict[int, tuple[str, int]], list[bool]]:
    which = draw(st.integers(0, len(FILES) - 1))
    n = draw(st.integers(1, 3))
    rows = draw(st.lists(st.integers(0, RECORDS - 1), min_size=n, max_size=n, unique=True))
    plan = {r: (draw(st.sampled_from(CORRUPTIONS)), draw(st.integers(0, 10_000))) for r in rows}
    crlf = draw(st.lists(st.booleans(), min_size=RECORDS + 2, max_size=RECORDS + 2))
    return which, plan, crlf


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(damage_plans())
def test_random_corruptions_cost_only_the_rows_they_touch(
    clean: Path, tmp_path_factory: pytest.TempPathFactory, case: tuple
) -> None:
    which, plan, crlf = case
    feed, kind, encoding, key, raw_key = FILES[which]
    (source,) = (clean / feed / DAY.isoformat()).glob(f"{kind}_*.csv")
    header, records = _records(source.read_bytes(), kind)
    records = records[:RECORDS]
    assert len(records) >= 10
    plan = {i % len(records): how for i, how in plan.items()}
    lines: list[bytes] = [header]
    for i, record in enumerate(records):
        if i in plan:
            how, pos = plan[i]
            if how == "bad_byte" and encoding == "gbk":
                pos = pos % max(record.find(b","), 1)  # inside the first field (ASCII)
            lines += _damage(record, how, pos, header)
        else:
            lines.append(record)
    ends = [b"\r\n" if c else b"\n" for c in crlf]
    body = b"".join(line + ends[i % len(ends)] for i, line in enumerate(lines))
    if encoding == "utf-8-sig":
        body = b"\xef\xbb\xbf" + body

    var = tmp_path_factory.mktemp("corrupt")
    s = Settings(var_dir=var, reference_dir=Path("seeds/reference").resolve())
    folder = s.landing / feed / DAY.isoformat()
    folder.mkdir(parents=True)
    (folder / source.name).write_bytes(body)
    (folder / "_SUCCESS").write_bytes(b"")
    ingest(s, feeds=[feed])

    (r,) = [x for x in status(s) if x.file == source.name]
    assert r.status == "loaded", r.message
    assert r.received == r.loaded + r.quarantined
    # Every record no corruption touched is loaded (by its business key; a copy of
    # the header leaves the record after it intact).
    touched = {i for i, (how, _) in plan.items() if how != "header"}
    field = header.decode("utf-8-sig" if encoding != "gbk" else "gbk").split(",").index(key)
    want = {
        rec.decode("gbk" if encoding == "gbk" else "utf-8").split(",")[field]
        for i, rec in enumerate(records)
        if i not in touched
    }
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        got = {k for (k,) in con.execute(f"select {raw_key} from raw.{kind}").fetchall()}
    missing = want - got
    assert not missing, (plan, sorted(missing)[:3])
    if kind != "rx12345":  # one record per physical line
        assert r.received == len(lines) - 1
        assert r.loaded >= len(records) - len(touched)


def _text_columns(kind: str) -> list[tuple[str, str, str]]:
    text_types = {"text", "code", "enum", "citizen_id", "uscc", "phone", "room_code"}
    fk = next(f for feed in load_feeds().values() for f in feed.files if f.kind == kind)
    return [(c.source, c.name, c.type) for c in fk.columns if c.type in text_types]


CSV_KINDS = [
    (feed.feed, fk.kind, fk.encoding)
    for feed in load_feeds().values()
    for fk in feed.files
    if fk.format == "csv"
]


@pytest.mark.parametrize("feed,kind,encoding", CSV_KINDS)
def test_duckdb_reads_clean_files_as_the_ingest_loads_them(
    clean: Path, tmp_path: Path, feed: str, kind: str, encoding: str
) -> None:
    """Differential: DuckDB's read_csv (store_rejects, an independent RFC 4180 reader)
    over the same clean file gives the same rows, in order, on every text column."""
    sources = sorted((clean / feed / DAY.isoformat()).glob(f"{kind}_*.csv"))
    if not sources:
        pytest.skip(f"no {kind} file on the first day")
    source = sources[0]
    s = Settings(var_dir=tmp_path / "var", landing_dir=clean)
    ingest(s, feeds=[feed])
    (r,) = [x for x in status(s) if x.file == source.name and x.status == "loaded"]
    assert r.quarantined == 0

    # DuckDB reads no GBK offline: give it the file re-encoded by Python's codec.
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(source.read_bytes().decode(encoding).encode("utf-8"))
    cols = _text_columns(kind)
    con = duckdb.connect()
    quoted = ", ".join('"' + src + '"' for src, _, _ in cols)
    theirs = con.sql(
        f"select {quoted} from read_csv($path, "
        "all_varchar = true, header = true, store_rejects = true, "
        "rejects_table = 'rejects', rejects_scan = 'scans')",
        params={"path": str(utf8)},
    ).pl()
    assert con.execute("select count(*) from rejects").fetchone() == (0,)
    with duckdb.connect(str(s.warehouse), read_only=True) as wh:
        ours = wh.sql(
            f"select {', '.join(name for _, name, _ in cols)} from raw.{kind} "
            "where _file = $file order by _row_number",
            params={"file": source.name},
        ).pl()
    assert ours.height == theirs.height == r.received
    for (_, name, _), theirs_col in zip(cols, theirs.columns, strict=True):
        expected = theirs[theirs_col].str.strip_chars().replace("", None)
        assert ours[name].to_list() == expected.to_list(), (kind, name)
    assert pl.Series(ours.columns).len() == len(cols)
