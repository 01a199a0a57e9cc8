"""The headline numbers recomputed straight from the landing files.

Independent of the warehouse: this module never imports the ingest, the
generator or dbt, and reads no raw, staging or mart table. It knows only the
file contracts (docs/FEEDS.md), the definitions (docs/DEFINITIONS.md) and
the divisions' code history (dbt_project/seeds/admin_divisions.csv, data
only), and implements the definitions a second time in plain Python +
polars, on purpose in a different shape from the dbt models: residence is
decided by the last statement on or before the as-of date (no spells), the
location by a dictionary lookup (no unlocated dimension members).

What it must agree with the ingest on is what docs/FEEDS.md fixes: a delivery
counts only with ``_SUCCESS``; a file delivered again under the same name in
a later folder replaces the earlier one; a row that cannot be interpreted
(wrong field count, bad JSON, a required field missing or invalid) is not
loaded; identifiers are NFKC-normalised and trimmed, citizen IDs also lose
inner spaces/hyphens, are upper-cased and upgraded from 15 to 18 digits. And
what docs/DESIGN.md and docs/IDENTIFIERS.md fix (implemented here a second
time): a symlinked or non-regular path is never read; in the line-bound CSV
files every non-blank physical line is one record, and a damaged one (an odd
number of quotes, a NUL byte, over the 64 KiB record cap, undecodable, a copy of
the header) does not count, every other row does; a citizen ID's address code
must have existed in GB/T 2260 at some time (seeds/reference/gbt2260_codes.csv).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
from stdnum.cn import uscc

REPO = Path(__file__).resolve().parents[2]
# the NBS divisions with the 2017 street code history (reference data, no code)
DIVISIONS = REPO / "dbt_project" / "seeds" / "admin_divisions.csv"
HOME_DISTRICT = "440306"
SHANGHAI = timezone(timedelta(hours=8))
# docs/DEFINITIONS.md "Sex codes" (the register's GB/T 2261.1 plus the variants seen)
SEX = {"1": "male", "M": "male", "MALE": "male", "男": "male",
       "2": "female", "F": "female", "FEMALE": "female", "女": "female",
       "0": "unknown", "9": "unknown"}  # fmt: skip


# ---------------------------------------------------------------- delivered files


def live_files(landing: Path, feed: str, prefix: str) -> list[tuple[date, Path]]:
    """(delivery date, path) of every file of ``feed`` named ``prefix``*, complete
    deliveries only; a name delivered again in a later folder replaces the earlier.
    Paths the warehouse must refuse unread (docs/DESIGN.md: a symbolic link, a path
    outside the landing root, anything not a regular file, a file over
    ``ZHIWANG_MAX_FILE_BYTES``) are no delivery and replace nothing."""
    root = landing.resolve()
    max_bytes = int(os.environ.get("ZHIWANG_MAX_FILE_BYTES", 8 << 30))
    latest: dict[str, tuple[date, Path]] = {}
    for folder in sorted((landing / feed).glob("*")):
        if folder.is_symlink() or not folder.is_dir() or not (folder / "_SUCCESS").exists():
            continue
        day = date.fromisoformat(folder.name)
        for path in sorted(folder.iterdir()):
            if not path.name.startswith(prefix) or path.is_symlink() or not path.is_file():
                continue
            if not path.resolve().is_relative_to(root) or path.stat().st_size > max_bytes:
                continue
            latest[path.name] = (day, path)
    return sorted(latest.values())


def _text(value: object) -> str | None:
    if value is None:
        return None
    out = unicodedata.normalize("NFKC", str(value)).strip()
    return out or None


# GB 11643-1999 §5 (ISO 7064 MOD 11-2): weights 2^(17-i) mod 11 (i = 0..16 from the
# left: 7 9 10 5 ...), check character by the sum mod 11
RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
RIC_CHECK = "10X98765432"
# every GB/T 2260 address code since 1980 (seed data, docs/IDENTIFIERS.md)
GBT2260 = REPO / "seeds" / "reference" / "gbt2260_codes.csv"


@functools.cache
def _address_codes() -> frozenset[str]:
    return frozenset(pl.read_csv(GBT2260, columns=["code6"], infer_schema=False)["code6"])


def _ric_check(body17: str) -> str:
    return RIC_CHECK[sum(int(c) * w for c, w in zip(body17, RIC_WEIGHTS, strict=True)) % 11]


def citizen_id(value: object) -> str | None:
    """The normalised 18-character ID, or None when it is no valid GB 11643 ID by
    docs/IDENTIFIERS.md: 17 digits and a digit or X, the MOD 11-2 check character,
    a real birth date, an address code that existed in GB/T 2260 at any time (not
    necessarily in the birth year, where stdnum's ric refuses real numbers); legacy
    15-digit numbers are upgraded (century 19, check computed)."""
    text = _text(value)
    if text is None:
        return None
    text = re.sub(r"[\s-]", "", text).upper()
    if len(text) == 15 and text.isascii() and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + _ric_check(body)
    if len(text) != 18 or not text.isascii() or not text[:17].isdigit():
        return None
    if text[17] != _ric_check(text[:17]):
        return None
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    return text if text[:6] in _address_codes() else None


def _ymd(value: str | None, fmt: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError:
        return None


def _timestamp(value: str | None, formats: tuple[str, ...]) -> datetime | None:
    if value is None:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- damaged records

# docs/DESIGN.md "CSV records and quoting": the cap on one record (the contracts'
# default max_record_bytes), and a file where more than 5 lines and 10 % of lines do
# not decode is in another or mixed encoding: rejected whole, no row counts.
MAX_RECORD_BYTES = 64 << 10
UNDECODABLE_FEW, UNDECODABLE_SHARE = 5, 0.1
# The columns of each CSV file read here (docs/FEEDS.md): a header without one of
# them is a file the warehouse rejects whole.
HEADERS = {
    "ga_rkxx": ["GMSFHM", "XM", "XBDM", "CSRQ", "MZDM", "HJLB", "JZZBH", "FWBM", "RZRQ",
                "LKRQ", "LXDH", "CZLX", "GXSJ"],
    "ld": ["building_code", "address", "community_code", "grid_code", "lon", "lat",
           "building_type", "floors", "year_built", "hazard_grade", "updated_at"],
    "zlba": ["filing_id", "room_code", "landlord_id_number", "tenant_id_number", "start_date",
             "end_date", "monthly_rent", "status", "op", "updated_at"],
    "cbry": ["id_number", "name", "employer_uscc", "insurance_types", "status", "start_month",
             "op", "updated_at"],
    "scjg_frxx": ["统一社会信用代码", "名称", "主体类型", "法定代表人", "法定代表人证件号码",
                  "注册地址", "经营场所房屋编码", "行业代码", "登记状态", "成立日期", "注销日期",
                  "注册资本(万元)", "从业人数", "更新时间"],
    "ggss": ["设施编码", "设施名称", "设施类型", "主管部门", "楼栋编码", "社区代码", "经度",
             "纬度", "容量类型", "核定容量", "在用数", "持证社工数", "启用日期", "停用日期",
             "状态", "更新时间"],
    "sydj": ["id_number", "name", "registered_date", "status", "community_code", "op",
             "updated_at"],
    "qhtz": ["变更编号", "层级", "原代码", "新代码", "新名称", "生效日期", "人口占比", "面积占比",
             "依据", "更新时间"],
}  # fmt: skip


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _lines(path: Path, contract: str) -> list[str | None] | None:
    """The file's non-blank physical lines, decoded; None for a damaged one (NUL
    byte, over the record cap, undecodable). None for the whole file when it is
    rejected as another or mixed encoding.

    Every physical line is one record: none of the files read here may span lines
    (only the hotline's may), and CRLF and LF endings both end a line. A file that
    is UTF-8 throughout is read as UTF-8 (GBK text is practically never valid UTF-8,
    while UTF-8 text often decodes as GBK, into the wrong characters); otherwise in
    the encoding, the contract's first, in which more lines decode (GBK read as its
    superset GB 18030)."""
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    lines = [line.removesuffix(b"\r") for line in raw.split(b"\n")]
    lines = [line for line in lines if line.strip()]
    sane = [line for line in lines if len(line) <= MAX_RECORD_BYTES and b"\0" not in line]
    gbk = "gb18030"
    order = [gbk, "utf-8"] if contract == "gbk" else ["utf-8", gbk]
    failed = {enc: sum(not _decodes(line, enc) for line in sane) for enc in order}
    encoding = "utf-8" if failed["utf-8"] == 0 else min(order, key=failed.__getitem__)
    if failed[encoding] > max(UNDECODABLE_FEW, UNDECODABLE_SHARE * len(lines)):
        return None
    out: list[str | None] = []
    for line in lines:
        if len(line) > MAX_RECORD_BYTES or b"\0" in line or not _decodes(line, encoding):
            out.append(None)
        else:
            out.append(line.decode(encoding))
    return out


def _header_name(name: str, wanted: list[str]) -> str:
    clean = name.replace("\ufeff", "").strip().strip('"').strip()
    folded = {w.casefold(): w for w in wanted if w.isascii()}
    return clean if clean in wanted else folded.get(clean.casefold(), clean)


def _csv_rows(path: Path, kind: str, encoding: str) -> list[tuple[int, dict[str, str | None]]]:
    """(1-based data row, fields) of the rows the warehouse loads from a line-bound
    CSV file: a damaged record (see ``_lines``; a line with an odd number of quotes,
    a copy of the header) or one with another field count than the header does not
    count, every other one does. Rows are numbered over the non-blank lines after
    the header, damaged ones included (docs/DESIGN.md)."""
    lines = _lines(path, encoding)
    if not lines or lines[0] is None:
        return []
    wanted = HEADERS[kind]
    header = [_header_name(h, wanted) for h in next(csv.reader([lines[0]]))]
    if not set(wanted) <= set(header):
        return []
    rows = []
    for number, line in enumerate(lines[1:], start=1):
        if line is None or line.count('"') % 2:
            continue
        record = next(csv.reader([line]), [])
        if len(record) != len(header) or [_header_name(v, wanted) for v in record] == header:
            continue
        rows.append((number, {name: _text(v) for name, v in zip(header, record, strict=True)}))
    return rows


def _jsonl_records(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file; damaged lines and others do not count."""
    records = []
    for line in _lines(path, "utf-8") or []:
        if line is None:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


# ---------------------------------------------------------------- reference divisions


def _share(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def community_moves(landing: Path, known: set[str]) -> set[tuple[str, str]]:
    """(community, community split off it in the same street) pairs of the data office's
    register of changes (docs/GEOGRAPHY.md: the register file, its line checks, and the
    location rule "a grid ... in a community of the same street the register split off
    it"). A line counts when loadable (required fields present, dates and shares
    readable), the newest of its (change, predecessor, successor), and it passes the
    checks: 12-digit codes, no ...999 successor, a known predecessor, a share in (0, 1],
    one effective date and shares summing to 1 per change and predecessor."""
    newest: dict[tuple[str, str, str], tuple[datetime, date, int, dict]] = {}
    for day, path in live_files(landing, "events", "qhtz_"):
        for number, row in _csv_rows(path, "qhtz", "utf-8"):
            change, level, old, new = (row[c] for c in ("变更编号", "层级", "原代码", "新代码"))
            effective = _ymd(row["生效日期"], "%Y-%m-%d") or _ymd(row["生效日期"], "%Y%m%d")
            at = _timestamp(row["更新时间"], ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"))
            share = _share(row["人口占比"])
            if None in (change, level, old, new, effective, at, share):
                continue  # the ingest quarantines the line
            if level not in ("社区", "网格"):
                continue  # bad enum: flagged in the ingest, then rejected by its level
            key = (change, old, new)
            rank = (at, day, number, row)
            if key not in newest or rank[:3] > newest[key][:3]:
                newest[key] = rank  # type: ignore[assignment]
    lines = [(k, v[3]) for k, v in newest.items()]
    shares: dict[tuple[str, str], float] = defaultdict(float)
    dates: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (change, old, _new), row in lines:
        shares[(change, old)] += _share(row["人口占比"]) or 0.0
        dates[(change, old)].add(str(row["生效日期"]))
    created = {new for (_c, _o, new), row in lines if row["层级"] == "社区" and len(new) == 12}
    moves = set()
    for (change, old, new), row in lines:
        share = _share(row["人口占比"]) or 0.0
        if (
            row["层级"] == "社区"
            and len(old) == len(new) == 12
            and (old + new).isdigit()
            and not new.endswith("999")
            and old[:9] == new[:9]
            and old != new
            and (old in known or old in created)
            and 0 < share <= 1
            and len(dates[(change, old)]) == 1
            and abs(shares[(change, old)] - 1) <= 0.001
        ):
            moves.add((old, new))
    return moves


@dataclass
class Divisions:
    current_communities: dict[str, str]  # community -> street
    street_successor: dict[str, str]  # any street code -> the code in force
    # (community, community of the same street the register split off it)
    moves: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def load(cls, landing: Path | None = None) -> Divisions:
        frame = pl.read_csv(DIVISIONS, infer_schema=False)
        communities: dict[str, str] = {}
        streets: dict[str, str] = {}
        for row in frame.iter_rows(named=True):
            if row["division_level"] == "community" and not row["valid_to"]:
                communities[row["division_code"]] = row["parent_code"]
            elif row["division_level"] == "street":
                streets[row["division_code"]] = row["successor_code"] or row["division_code"]
        moves = community_moves(landing, set(communities)) if landing is not None else set()
        return cls(communities, streets, moves)

    def locate(self, code: str | None, building_grid: str | None) -> tuple[str, str, str]:
        """(street, community, grid) of a room/building code: unknown levels are
        the unlocated codes of docs/DEFINITIONS.md. A building whose grid the
        register moved into a community split off the code's is in that community
        (docs/GEOGRAPHY.md)."""
        unlocated_street = HOME_DISTRICT + "999000"
        community = code[:12] if code else None
        if community in self.current_communities:
            street = self.current_communities[community]
        else:
            street = self.street_successor.get(code[:9] + "000") if code else None
            street = street or unlocated_street
            community = street[:9] + "999"
        if building_grid and (community, building_grid[:12]) in self.moves:
            return street, building_grid[:12], building_grid
        grid = building_grid if building_grid and building_grid[:12] == community else None
        return street, community, grid or community + "999"


# ---------------------------------------------------------------- population


@dataclass
class Statement:
    observed_on: date
    observed_at: datetime
    is_end: bool
    room: str | None
    source: str

    def rank(self) -> tuple:
        # the latest wins; at the same second an end; then room, channel (as dbt)
        return (self.observed_on, self.observed_at, self.is_end,
                _desc(self.room or ""), _desc(self.source))  # fmt: skip


def _desc(text: str) -> tuple[int, ...]:
    return (*(-ord(c) for c in text), 1)


@dataclass
class Person:
    statements: list[Statement] = field(default_factory=list)
    register: tuple | None = None  # (changed_at, delivery, row, record) of the latest record


def read_population(landing: Path) -> tuple[dict[str, Person], date]:
    people: dict[str, Person] = defaultdict(Person)
    delivered: list[date] = []
    for day, path in live_files(landing, "population", "ga_rkxx_"):
        delivered.append(day)
        for number, row in _csv_rows(path, "ga_rkxx", "gbk"):
            pid = citizen_id(row["GMSFHM"])
            changed = _timestamp(row["GXSJ"], ("%Y-%m-%d %H:%M:%S",))
            if pid is None or changed is None or row["CZLX"] not in ("I", "U", "D"):
                continue
            person = people[pid]
            key = (changed, day, number)
            if person.register is None or key > person.register[:3]:
                person.register = (*key, row)
            if row["CZLX"] == "D":
                person.statements.append(Statement(changed.date(), changed, True, None, "register"))
                continue
            moved_in = _ymd(row["RZRQ"], "%Y%m%d")
            person.statements.append(
                Statement(moved_in or changed.date(), changed, False, row["FWBM"], "register")
            )
            moved_out = _ymd(row["LKRQ"], "%Y%m%d")
            if moved_out is not None:
                end_of_day = datetime.combine(moved_out + timedelta(days=1), datetime.min.time())
                person.statements.append(Statement(moved_out, end_of_day, True, None, "register"))
    for day, path in live_files(landing, "population", "grid_rkcj_"):
        delivered.append(day)
        for record in _jsonl_records(path):
            pid = citizen_id(record.get("id_number"))
            channel = _text(record.get("channel"))
            at = _text(record.get("collected_at"))
            try:
                seen = datetime.fromisoformat(at) if at else None
            except ValueError:
                seen = None
            if pid is None or channel not in ("grid", "self") or seen is None:
                continue
            if not _text(record.get("record_id")):
                continue
            if seen.tzinfo is not None:
                seen = seen.astimezone(SHANGHAI).replace(tzinfo=None)
            room = _text(record.get("room_code"))
            person = people[pid]
            if room is not None:
                person.statements.append(Statement(seen.date(), seen, False, room, channel))
    return dict(people), max(delivered)


def building_grids(landing: Path) -> dict[str, str | None]:
    """Each building's grid from the newest loaded snapshot row that has the building."""
    latest: dict[str, tuple] = {}
    for day, path in live_files(landing, "housing", "ld_"):
        for number, row in _csv_rows(path, "ld", "utf-8"):
            code = row["building_code"]
            if code is None or len(code) != 17 or not code.isdigit():
                continue
            if code not in latest or (day, number) > latest[code][:2]:
                latest[code] = (day, number, row["grid_code"])
    return {code: grid for code, (_d, _n, grid) in latest.items()}


def _persons_whose_latest_change_says(landing: Path, kind: str, status: str) -> set[str]:
    """Persons whose latest change (by change time, then delivery and row) in the
    social-security change files ``kind`` (cbry, sydj) has this status and is no delete."""
    latest: dict[str, tuple] = {}
    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
    for day, path in live_files(landing, "social_security", f"{kind}_"):
        for number, row in _csv_rows(path, kind, "utf-8"):
            pid = citizen_id(row["id_number"])
            at = _timestamp(row["updated_at"], formats)
            if pid is None or at is None or row["op"] not in ("I", "U", "D"):
                continue
            key = (at, day, number)
            if pid not in latest or key > latest[pid][:3]:
                latest[pid] = (*key, row["status"] == status and row["op"] != "D")
    return {pid for pid, (*_k, says) in latest.items() if says}


def insured_ids(landing: Path) -> set[str]:
    """Persons whose latest insured-person change is active and no delete."""
    return _persons_whose_latest_change_says(landing, "cbry", "active")


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@functools.cache
def population_frame(landing: Path) -> tuple[pl.DataFrame, date]:
    """One row per managed person at the as-of date, with the attributes the
    headline numbers count (docs/DEFINITIONS.md)."""
    people, as_of = read_population(landing)
    grids = building_grids(landing)
    insured = insured_ids(landing)
    divisions = Divisions.load(landing)
    rows = []
    for pid, person in people.items():
        known = [s for s in person.statements if s.observed_on <= as_of]
        if not known:
            continue
        last = max(known, key=Statement.rank)
        if last.is_end:
            continue
        room = last.room
        street, community, grid = divisions.locate(room, grids.get(room[:17]) if room else None)
        hukou, sex, age = False, "unknown", None
        if person.register is not None:
            _changed, delivered, _n, record = person.register
            hukou = record["HJLB"] == "1"
            sex = SEX.get((record["XBDM"] or "").upper(), "unknown")
            birth = _ymd(record["CSRQ"], "%Y%m%d")
            if birth is not None and birth <= delivered and birth <= as_of:
                age = _age(birth, as_of)
        rows.append({
            "person": pid, "street": street, "community": community, "grid": grid,
            "unlocated": grid.endswith("999") or community.endswith("999"),
            "hukou": hukou, "sex": sex, "age": age, "insured": pid in insured,
        })  # fmt: skip
    schema = {"person": pl.String, "street": pl.String, "community": pl.String,
              "grid": pl.String, "unlocated": pl.Boolean, "hukou": pl.Boolean,
              "sex": pl.String, "age": pl.Int64, "insured": pl.Boolean}  # fmt: skip
    return pl.DataFrame(rows, schema=schema), as_of


# ---------------------------------------------------------------- rental filings


def current_filings(landing: Path) -> tuple[pl.DataFrame, date]:
    """Filings current at the rental as-of date (the newest filing delivery)."""
    latest: dict[str, tuple] = {}
    delivered = []
    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
    for day, path in live_files(landing, "housing", "zlba_"):
        delivered.append(day)
        for number, row in _csv_rows(path, "zlba", "utf-8"):
            at = _timestamp(row["updated_at"], formats)
            if row["filing_id"] is None or at is None or row["op"] not in ("I", "U", "D"):
                continue
            key = (at, day, number)
            if row["filing_id"] not in latest or key > latest[row["filing_id"]][:3]:
                latest[row["filing_id"]] = (*key, row)
    as_of = max(delivered)
    divisions = Divisions.load()
    rows = []
    for filing, (*_k, row) in latest.items():
        ends = _ymd(row["end_date"], "%Y-%m-%d")
        marked_active = row["status"] == "active" and row["op"] != "D"
        street, _community, _grid = divisions.locate(row["room_code"], None)
        rows.append({"filing": filing, "street": street,
                     "current": marked_active and (ends is None or ends >= as_of),
                     "ended": marked_active and ends is not None and ends < as_of})  # fmt: skip
    schema = {"filing": pl.String, "street": pl.String, "current": pl.Boolean,
              "ended": pl.Boolean}  # fmt: skip
    return pl.DataFrame(rows, schema=schema), as_of


# ---------------------------------------------------------------- legal entities

MARKET_ACTIVE = {"存续", "在业"}
SOCIAL_ACTIVE = {"正常", "登记", "存续", None}


def credit_code(value: object) -> str | None:
    """The normalised USCC, or None when it is no valid GB 32100 code."""
    text = _text(value)
    if text is None:
        return None
    text = text.replace(" ", "").replace("-", "").upper()
    # GB 32100: authority 1-9 or A/N/Y (stdnum's validate wants 8 leading
    # digits, so only its check-character function is used), 6-digit area,
    # a GB 11714 organisation code, the check character over its alphabet
    if len(text) != 18 or text[0] not in "123456789ANY" or not text[2:8].isdigit():
        return None
    if any(c not in USCC_ALPHABET for c in text) or uscc.calc_check_digit(text) != text[-1]:
        return None
    return text if _organisation_check(text[8:16]) == text[16] else None


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _organisation_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def active_entities(landing: Path) -> pl.DataFrame:
    """Entities whose newest version (either registry) is active, with their street."""
    versions: dict[tuple[str, datetime], tuple] = {}

    def offer(code: str, at: datetime, day: date, number: int, active: bool, room: str | None):
        key = (code, at)
        if key not in versions or (day, number) > versions[key][:2]:
            versions[key] = (day, number, active, room)

    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S")
    for day, path in live_files(landing, "entities", "scjg_frxx_"):
        for number, row in _csv_rows(path, "scjg_frxx", "utf-8"):
            code = credit_code(row["统一社会信用代码"])
            at = _timestamp(row["更新时间"], formats)
            if code is None or at is None or row["名称"] is None:
                continue
            offer(code, at, day, number, row["登记状态"] in MARKET_ACTIVE, row["经营场所房屋编码"])
    for day, path in live_files(landing, "entities", "mz_shzz_"):
        sheet = pl.read_excel(path, sheet_name="社会组织", infer_schema_length=0)
        for number, row in enumerate(sheet.iter_rows(named=True), start=1):
            code = credit_code(row["统一社会信用代码"])
            if code is None or _text(row["名称"]) is None:
                continue
            at = datetime.combine(day, datetime.min.time())
            offer(code, at, day, number, _text(row["状态"]) in SOCIAL_ACTIVE,
                  _text(row["住所房屋编码"]))  # fmt: skip
    newest: dict[str, tuple] = {}
    for (code, at), (_d, _n, active, room) in versions.items():
        if code not in newest or at > newest[code][0]:
            newest[code] = (at, active, room)
    divisions = Divisions.load()
    rows = [
        {"uscc": code, "street": divisions.locate(room, None)[0]}
        for code, (_at, active, room) in newest.items()
        if active
    ]
    return pl.DataFrame(rows, schema={"uscc": pl.String, "street": pl.String})


# ---------------------------------------------------------------- the headline numbers


def headline_figures(landing: Path) -> tuple[pl.DataFrame, date, date]:
    """Per street and for the district: the counts of rpt_headline_figures."""
    persons, population_as_of = population_frame(landing)
    filings, rental_as_of = current_filings(landing)
    by_street = persons.group_by("street").agg(
        managed_population=pl.len(),
        unlocated_population=pl.col("unlocated").sum(),
        hukou_count=pl.col("hukou").sum(),
        elderly_60_plus_count=(pl.col("age") >= 60).fill_null(False).sum(),
        unknown_age_count=pl.col("age").is_null().sum(),
        working_age_count=pl.col("age").is_between(16, 59).fill_null(False).sum(),
        insured_working_age_count=(pl.col("age").is_between(16, 59).fill_null(False)
                                   & pl.col("insured")).sum(),
        insured_count=pl.col("insured").sum(),
    )  # fmt: skip
    filed = filings.group_by("street").agg(
        current_rental_filing_count=pl.col("current").sum(),
        ended_but_marked_active_count=pl.col("ended").sum(),
    )
    entities = active_entities(landing).group_by("street").agg(active_entity_count=pl.len())
    streets = (
        by_street.join(filed, on="street", how="full", coalesce=True)
        .join(entities, on="street", how="full", coalesce=True)
        .fill_null(0)
    )
    counts = [c for c in streets.columns if c != "street"]
    district = streets.select(pl.lit(HOME_DISTRICT + "000000").alias("street"),
                              *[pl.col(c).sum() for c in counts])  # fmt: skip
    frame = pl.concat([
        streets.with_columns(pl.lit("street").alias("unit_level")),
        district.with_columns(pl.lit("district").alias("unit_level")),
    ]).rename({"street": "unit_code"}).with_columns(pl.col(counts).cast(pl.Int64))  # fmt: skip
    return frame.select("unit_level", "unit_code", *counts), population_as_of, rental_as_of


def _integer(value: str | None) -> int | None:
    return int(value) if value is not None and re.fullmatch(r"[+-]?\d+", value) else None


def open_facility_capacity(landing: Path) -> dict[str, int]:
    """Rated capacity of the facilities operating in the newest facilities snapshot
    (ggss, GB18030), per kind of bed (docs/DEFINITIONS.md, plan indicators):
    institution beds (养老机构), elderly-care beds (养老机构 + 日间照料中心) and
    hospital beds (医院 + 社区健康服务中心), each counted in 床位 only. A row
    without a facility id or update time is not loaded; a status outside the code
    list is no status (not operating); an unreadable capacity counts nothing; a
    second row of the same facility id in the file is not loaded (duplicate)."""
    files = live_files(landing, "facilities", "ggss_")
    totals = {"institution_beds": 0, "elderly_care_beds": 0, "hospital_beds": 0}
    if not files:
        return totals
    _day, newest = max(files)
    kinds = {"institution_beds": {"养老机构"},
             "elderly_care_beds": {"养老机构", "日间照料中心"},
             "hospital_beds": {"医院", "社区健康服务中心"}}  # fmt: skip
    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S")
    seen: set[str] = set()
    for _number, row in _csv_rows(newest, "ggss", "gbk"):
        if row["设施编码"] is None or _timestamp(row["更新时间"], formats) is None:
            continue
        if row["设施编码"] in seen:
            continue
        seen.add(row["设施编码"])
        capacity = _integer(row["核定容量"])
        if row["状态"] != "运营" or row["容量类型"] != "床位" or capacity is None:
            continue
        for kind, types in kinds.items():
            if row["设施类型"] in types:
                totals[kind] += capacity
    return totals


def registered_unemployed(landing: Path) -> int:
    """Persons whose latest registered-unemployment change (sydj) says registered and
    is no delete."""
    return len(_persons_whose_latest_change_says(landing, "sydj", "registered"))


def plan_figures(landing: Path, district: dict) -> dict[str, float | None]:
    """The district values of the plan indicators fed by the facilities and
    registered-unemployment feeds (rpt_plan_indicators), from the landing files and
    the district's true headline counts."""

    def rate(numerator: float, denominator: float, per: int) -> float | None:
        return round(per * numerator / denominator, 4) if denominator else None

    beds = open_facility_capacity(landing)
    unemployed = registered_unemployed(landing)
    employed = len(insured_ids(landing))
    return {
        "elderly_care_beds_total": float(beds["elderly_care_beds"]),
        "elderly_care_beds_per_1000_elderly": rate(
            beds["institution_beds"], district["elderly_60_plus_count"], 1000
        ),
        "hospital_beds_per_1000": rate(beds["hospital_beds"], district["managed_population"], 1000),
        "registered_unemployment_rate": rate(unemployed, unemployed + employed, 100),
    }


def age_bands(landing: Path) -> pl.DataFrame:
    """Managed persons per sex and 5-year band ('unknown' for unknown ages)."""
    persons, _as_of = population_frame(landing)
    band = (
        pl.when(pl.col("age").is_null()).then(pl.lit("unknown"))
        .when(pl.col("age") >= 100).then(pl.lit("100+"))
        .otherwise((pl.col("age") // 5 * 5).cast(pl.String) + "-"
                   + (pl.col("age") // 5 * 5 + 4).cast(pl.String))
    )  # fmt: skip
    return persons.group_by("sex", band.alias("age_band")).agg(person_count=pl.len())


if __name__ == "__main__":
    import sys

    # uv run --frozen python -m tests.truth.landing <landing dir>: the true figures
    figures, population_on, rental_on = headline_figures(Path(sys.argv[1]))
    print(f"population as of {population_on}, rental filings as of {rental_on}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250):
        print(figures.sort("unit_level", "unit_code"))
