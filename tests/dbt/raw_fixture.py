"""A hand-made `raw` layer (docs/DESIGN.md shape) for developing and testing dbt.

Small, deterministic, and with every model-level case the dbt project must
handle planted on purpose: cross-channel conflicts, an upstream delete,
out-of-order and late event states, rework, reopen, a merged duplicate, an
event closed before it was reported, events with no location or an unknown
grid, an event whose report state is missing, a corrected contribution month and the
five cross-check (关联比对) rules. ``clean=True`` leaves the cross-check
cases out, so the same data must yield no findings.

Run as a script to write a throw-away warehouse:
``uv run python -m tests.dbt.raw_fixture /tmp/x.duckdb [--clean]``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
from stdnum.cn import ric

from ingest.contract import fingerprints, load_feeds

C1, C2 = "440306017001", "440306018001"
G1, G2, G3 = C1 + "001", C1 + "002", C2 + "001"
B1, B2, B3 = C1 + "00001", C1 + "00002", C2 + "00001"
GHOST_BUILDING = C1 + "90001"
# 区划调整 the planted geography change (docs/GEOGRAPHY.md), effective 2026-09-29 and
# registered by the data office on day 2: C1 splits off the new community CS
# (70 / 30 by population) and its grid G2 becomes CS's first grid; C1's grid G1
# is redrawn into G1 and the new G4 (60 / 40). An event after the change uses
# the new code, a late one still the old.
CS = "440306017190"
G4, GS = C1 + "004", CS + "001"
CHANGE_DATE = date(2026, 9, 29)
D1, D2 = date(2026, 10, 1), date(2026, 10, 2)

LINEAGE = {
    "_feed": pl.String,
    "_delivery_date": pl.Date,
    "_file": pl.String,
    "_file_sha256": pl.String,
    "_row_number": pl.Int64,
    "_batch_id": pl.String,
    "_loaded_at": pl.Datetime("us"),
    "_flags": pl.String,
}


def citizen_id(birth: str, seq: int) -> str:
    """A valid GB 11643 ID born in Bao'an on ``birth`` (YYYYMMDD)."""
    body = f"440306{birth}{seq:03d}"
    return body + ric.calc_check_digit(body)


def uscc(seq: int) -> str:
    """A syntactically plausible USCC (the dbt layer does not re-validate)."""
    return f"91440306MA5F{seq:05d}X"


def room(building: str, floor: int, number: int) -> str:
    return f"{building}01{floor:03d}{number:03d}"


P = {name: citizen_id(f"19{80 + i}0{(i % 9) + 1}15", 10 + i) for i, name in enumerate("ABCDEF")}
P["G"] = citizen_id("19500301", 31)  # elderly, only in the grid channel


@dataclass
class Expected:
    """What the dbt models must find in this fixture (plain keys, test-side only)."""

    cross_checks: dict[str, set[str]] = field(default_factory=dict)


def _frame(rows: list[dict], schema: dict, feed: str, kind: str) -> pl.DataFrame:
    full = {**schema, **LINEAGE}
    out = []
    for i, row in enumerate(rows, start=1):
        delivery = row.pop("_d", D1)
        out.append(
            {
                **{c: row.get(c) for c in schema},
                "_feed": feed,
                "_delivery_date": delivery,
                "_file": f"{kind}_{delivery:%Y%m%d}",
                "_file_sha256": "0" * 64,
                "_row_number": i,
                "_batch_id": f"{kind}-{delivery:%Y%m%d}",
                "_loaded_at": datetime.combine(delivery, datetime.min.time()) + timedelta(hours=6),
                "_flags": row.get("_flags"),
            }
        )
    frame = pl.DataFrame(out, schema=full, orient="row")
    # the row fingerprints of the kinds whose contract asks for them, as the ingest adds them
    file_kind = next(k for k in load_feeds()[feed].files if k.kind == kind)
    return frame.with_columns(fingerprints(file_kind)) if file_kind.fingerprint else frame


def _population(clean: bool) -> dict[str, pl.DataFrame]:
    s = pl.String
    ga_schema = {
        "gmsfhm": s, "xm": s, "xbdm": s, "csrq": pl.Date, "mzdm": s, "hjlb": s, "jzzbh": s,
        "fwbm": s, "rzrq": pl.Date, "lkrq": pl.Date, "lxdh": s, "czlx": s,
        "gxsj": pl.Datetime("us"),
    }  # fmt: skip
    ts = datetime(2026, 9, 30, 9)

    def reg(key: str, name: str, sex: str, hukou: str, rm: str, movein: date, **kw: object) -> dict:
        pid = P[key]
        birth = date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14]))
        return {
            "gmsfhm": pid, "xm": name, "xbdm": sex, "csrq": birth, "mzdm": "01", "hjlb": hukou,
            "jzzbh": None if hukou == "1" else f"JZZ{pid[-6:]}", "fwbm": rm, "rzrq": movein,
            "lkrq": None, "lxdh": f"1380000{ord(key):04d}", "czlx": "I",
            "gxsj": ts, **kw,
        }  # fmt: skip

    ga = [
        reg("A", "张三", "1", "1", room(B1, 1, 1), date(2015, 3, 1)),
        reg("B", "李四", "2", "2", room(B1, 1, 2), date(2020, 6, 1)),
        reg("D", "赵六", "1", "2", room(B2, 2, 1), date(2021, 1, 1)),
        reg("D", "赵六", "1", "2", room(B2, 2, 1), date(2021, 1, 1), czlx="D",
            gxsj=ts + timedelta(days=1), _d=D2),
        reg("F", "孙八", "2", "1", room(B3, 1, 1), date(2010, 1, 1)),
        # A moves within the register: a second spell
        reg("A", "张三", "1", "1", room(B2, 1, 1), date(2026, 9, 1), czlx="U",
            gxsj=ts + timedelta(hours=2)),
    ]  # fmt: skip
    if clean:  # E is only a case when the insured person lacks residence
        ga.append(reg("E", "周七", "1", "2", room(B2, 3, 1), date(2022, 5, 1)))
    grid_schema = {
        "record_id": s, "channel": s, "collector_id": s, "collected_at": pl.Datetime("us"),
        "id_number": s, "name": s, "phone": s, "room_code": s, "grid_code": s,
        "lon": pl.Float64, "lat": pl.Float64, "employer_uscc": s, "tags": pl.List(s), "note": s,
    }  # fmt: skip

    def col(rid: str, key: str, name: str, rm: str, grid: str, at: datetime, **kw: object) -> dict:
        return {
            "record_id": rid, "channel": "grid", "collector_id": "W001", "collected_at": at,
            "id_number": P[key], "name": name, "phone": None, "room_code": rm, "grid_code": grid,
            "lon": 113.88, "lat": 22.55, "employer_uscc": None, "tags": [], "note": None, **kw,
        }  # fmt: skip

    grid = [
        col("R1", "A", "张叁", room(B2, 1, 1), G2, datetime(2026, 9, 20, 10)),  # name conflict
        col("R2", "B", "李四", room(B2, 1, 2), G2, datetime(2026, 9, 25, 10)),  # residence
        col("R3", "B", "李四", room(B2, 1, 2), G2, datetime(2026, 9, 26, 10), channel="self"),
        col("R4", "C", "王五", room(B1, 2, 1), G1, datetime(2026, 9, 21, 10), _d=D2),
        col("R5", "G", "钱九", room(B3, 1, 2), G3, datetime(2026, 9, 22, 10),
            tags=["elderly_alone", "dibao"]),
        # day 2: the grid channel now writes A's name as the register does (the
        # name disagreement leaves the stewardship queue)
        col("R6", "A", "张三", room(B2, 1, 1), G2, datetime(2026, 10, 1, 15), _d=D2),
    ]  # fmt: skip
    return {
        "ga_rkxx": _frame(ga, ga_schema, "population", "ga_rkxx"),
        "grid_rkcj": _frame(grid, grid_schema, "population", "grid_rkcj"),
    }


def _entities(clean: bool) -> dict[str, pl.DataFrame]:
    s = pl.String
    schema = {
        "tyshxydm": s, "mc": s, "ztlx": s, "fddbr": s, "fddbrzjhm": s, "zcdz": s, "jycsfwbm": s,
        "hydm": s, "djzt": s, "clrq": pl.Date, "zxrq": pl.Date, "zczb": pl.Float64,
        "cyrs": pl.Int64, "gxsj": pl.Datetime("us"),
    }  # fmt: skip
    ts = datetime(2026, 9, 30, 8)

    def ent(n: int, rep: str, rm: str, status: str = "存续", **kw: object) -> dict:
        return {
            "tyshxydm": uscc(n), "mc": f"公司{n}", "ztlx": "企业", "fddbr": "某某",
            "fddbrzjhm": rep, "zcdz": "宝安区", "jycsfwbm": rm, "hydm": "C3911", "djzt": status,
            "clrq": date(2018, 1, 1), "zxrq": None, "zczb": 100.0, "cyrs": 10, "gxsj": ts, **kw,
        }  # fmt: skip

    rep_other = citizen_id("19700101", 90)
    rows = [
        ent(1, P["F"] if not clean else rep_other, room(B1, 1, 3)),
        ent(2, rep_other, room(B1, 1, 4)),
        ent(6, rep_other, room(B2, 1, 3)),
        ent(6, rep_other, room(B2, 1, 3), "注销", zxrq=date(2026, 10, 1),
            gxsj=ts + timedelta(days=1), _d=D2),
    ]  # fmt: skip
    if not clean:
        rows += [ent(n, rep_other, room(B3, 1, 1 + n % 2)) for n in (3, 4, 5)]
        rows.append(ent(7, rep_other, room(GHOST_BUILDING, 1, 1)))
    mz_schema = {
        "tyshxydm": s, "mc": s, "lb": s, "ywfw": s, "fddbr": s, "zsfwbm": s, "djrq": pl.Date,
        "zt": s, "pgdj": s, "zzgzrys": pl.Int64, "czsgs": pl.Int64,
    }  # fmt: skip
    mz = [
        {"tyshxydm": "51440306MJ0000001A", "mc": "社工服务中心", "lb": "民办非企业单位",
         "ywfw": "社会工作服务", "fddbr": "某某", "zsfwbm": room(B2, 1, 2),
         "djrq": date(2019, 5, 1), "zt": "正常", "pgdj": "4A", "zzgzrys": 12, "czsgs": 8},
        {"tyshxydm": "51440306MJ0000001A", "mc": "社工服务中心", "lb": "民办非企业单位",
         "ywfw": "社会工作服务", "fddbr": "某某", "zsfwbm": room(B2, 1, 2),
         "djrq": date(2019, 5, 1), "zt": "正常", "pgdj": "4A", "zzgzrys": 12, "czsgs": 9,
         "_d": D2},
    ]  # fmt: skip
    return {
        "scjg_frxx": _frame(rows, schema, "entities", "scjg_frxx"),
        "mz_shzz": _frame(mz, mz_schema, "entities", "mz_shzz"),
    }


def _housing() -> dict[str, pl.DataFrame]:
    s = pl.String
    ld_schema = {
        "building_code": s, "address": s, "community_code": s, "grid_code": s, "lon": pl.Float64,
        "lat": pl.Float64, "building_type": s, "floors": pl.Int64, "year_built": pl.Int64,
        "hazard_grade": s, "updated_at": pl.Datetime("us"),
    }  # fmt: skip
    ts = datetime(2026, 9, 28, 12)
    blds = [
        (B1, C1, G1, 113.881, 22.551, "urban_village", 8, "A"),
        (B2, C1, G2, 113.884, 22.553, "commercial", 20, "B"),
        (B3, C2, G3, 113.870, 22.575, "factory", 3, "C"),
    ]
    ld = [
        {"building_code": b, "address": f"地址{b[-2:]}", "community_code": c, "grid_code": g,
         "lon": lon, "lat": lat, "building_type": t, "floors": f, "year_built": 2000,
         "hazard_grade": h if d == D1 or b != B2 else "D", "updated_at": ts, "_d": d}
        for d in (D1, D2) for b, c, g, lon, lat, t, f, h in blds
    ]  # fmt: skip
    fw_schema = {
        "room_code": s, "building_code": s, "floor": pl.Int64, "area_m2": pl.Float64, "use": s,
        "is_rental": pl.Boolean, "updated_at": pl.Datetime("us"),
    }  # fmt: skip
    layout = {B1: [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1)], B2: [(1, 1), (1, 2), (1, 3),
              (2, 1), (3, 1)], B3: [(1, 1), (1, 2)]}  # fmt: skip
    # day 2 brings the next weekly snapshot: one room was re-measured
    fw = [
        {"room_code": room(b, f, n), "building_code": b, "floor": f,
         "area_m2": 45.0 if (d, b, f, n) == (D2, B2, 3, 1) else 30.0 + n,
         "use": "residential", "is_rental": b == B1, "updated_at": ts, "_d": d}
        for d in (D1, D2) for b, rooms in layout.items() for f, n in rooms
    ]  # fmt: skip
    zl_schema = {
        "filing_id": s, "room_code": s, "landlord_id_number": s, "tenant_id_number": s,
        "start_date": pl.Date, "end_date": pl.Date, "monthly_rent": pl.Float64, "status": s,
        "op": s, "updated_at": pl.Datetime("us"),
    }  # fmt: skip
    zl = [
        {"filing_id": "F1", "room_code": room(B1, 2, 1), "landlord_id_number": P["A"],
         "tenant_id_number": P["C"], "start_date": date(2026, 1, 1),
         "end_date": date(2026, 12, 31), "monthly_rent": 1800.0, "status": "active", "op": "I",
         "updated_at": datetime(2026, 1, 2, 9)},
        {"filing_id": "F1", "room_code": room(B1, 2, 1), "landlord_id_number": P["A"],
         "tenant_id_number": P["C"], "start_date": date(2026, 1, 1),
         "end_date": date(2026, 12, 31), "monthly_rent": 1900.0, "status": "active", "op": "U",
         "updated_at": datetime(2026, 9, 2, 9), "_d": D2},
        {"filing_id": "F2", "room_code": room(B1, 1, 1), "landlord_id_number": P["A"],
         "tenant_id_number": P["B"], "start_date": date(2026, 3, 1), "end_date": None,
         "monthly_rent": 1500.0, "status": "active", "op": "I",
         "updated_at": datetime(2026, 3, 2, 9)},
        {"filing_id": "F2", "room_code": room(B1, 1, 1), "landlord_id_number": P["A"],
         "tenant_id_number": P["B"], "start_date": date(2026, 3, 1), "end_date": None,
         "monthly_rent": 1500.0, "status": "active", "op": "D",
         "updated_at": datetime(2026, 9, 30, 9), "_d": D2},
    ]  # fmt: skip
    return {
        "ld": _frame(ld, ld_schema, "housing", "ld"),
        "fw": _frame(fw, fw_schema, "housing", "fw"),
        "zlba": _frame(zl, zl_schema, "housing", "zlba"),
    }


def _social_security(clean: bool) -> dict[str, pl.DataFrame]:
    s = pl.String
    cb_schema = {
        "id_number": s, "name": s, "employer_uscc": s, "insurance_types": pl.List(s), "status": s,
        "start_month": pl.Date, "op": s, "updated_at": pl.Datetime("us"),
    }  # fmt: skip
    insured = ["A", "E"] + ([] if clean else ["B"])
    cb = [
        {"id_number": P[k], "name": "某", "employer_uscc": uscc(2),
         "insurance_types": ["pension", "medical"], "status": "active",
         "start_month": date(2020, 1, 1), "op": "I", "updated_at": datetime(2026, 9, 30, 10)}
        for k in insured
    ]  # fmt: skip
    # day 2 restates A (an update with the same coverage): the insured person's
    # latest change moves to the later record
    cb.append(
        {"id_number": P["A"], "name": "某", "employer_uscc": uscc(2),
         "insurance_types": ["pension", "medical"], "status": "active",
         "start_month": date(2020, 1, 1), "op": "U", "updated_at": datetime(2026, 10, 1, 10),
         "_d": D2}
    )  # fmt: skip
    jf_schema = {
        "id_number": s, "employer_uscc": s, "period": pl.Date, "insurance_type": s,
        "base_yuan": pl.Float64, "amount_yuan": pl.Float64, "paid": pl.Boolean,
        "paid_date": pl.Date,
    }  # fmt: skip
    sep = date(2026, 9, 1)
    jf = [
        {"id_number": P[k], "employer_uscc": uscc(2), "period": sep, "insurance_type": t,
         "base_yuan": base, "amount_yuan": base * 0.08, "paid": True,
         "paid_date": date(2026, 9, 15), "_d": D1}
        for k, base in [("A", 8000.0), ("E", 5000.0)] + ([] if clean else [("B", 15000.0)])
        for t in ("pension", "medical")
    ]  # fmt: skip
    # a corrected August: the later delivery's row replaces the earlier one; the
    # correction repeats the key within its file, and the last row of the file
    # wins (the ingest flags the repeat, as it does for every repeated key)
    aug = date(2026, 8, 1)
    for amount, delivered, flags in (
        (100.0, D1, None),
        (600.0, D2, None),
        (640.0, D2, "duplicate_key_in_file"),
    ):
        jf.append(
            {"id_number": P["A"], "employer_uscc": uscc(2), "period": aug,
             "insurance_type": "pension", "base_yuan": 8000.0, "amount_yuan": amount,
             "paid": amount > 200, "paid_date": None, "_d": delivered, "_flags": flags}
        )  # fmt: skip
    # the rest of August, delivered on day 1 and corrected on day 2: E's medical
    # row is delivered again unchanged, E's pension row is withdrawn (the
    # correction no longer carries it) and A's row without an employer is paid
    for who, employer, kind, paid, delivered in (
        ("E", uscc(2), "medical", True, D1),
        ("E", uscc(2), "medical", True, D2),
        ("E", uscc(2), "pension", True, D1),
        ("A", None, "medical", False, D1),
        ("A", None, "medical", True, D2),
    ):
        jf.append(
            {"id_number": P[who], "employer_uscc": employer, "period": aug,
             "insurance_type": kind, "base_yuan": 5000.0, "amount_yuan": 400.0,
             "paid": paid, "paid_date": date(2026, 9, 20) if paid else None,
             "_d": delivered, "_flags": None}
        )  # fmt: skip
    jz_schema = {
        "payment_id": s, "id_number": s, "household_id": s, "program": s, "period": pl.Date,
        "amount_yuan": pl.Float64, "community_code": s, "approved_at": pl.Datetime("us"),
    }  # fmt: skip
    recipients = ["G"] + ([] if clean else ["F", "B"])
    jz = [
        {"payment_id": f"PAY{i}", "id_number": P[k], "household_id": f"H{i}", "program": "dibao",
         "period": sep, "amount_yuan": 1250.0, "community_code": C1,
         "approved_at": datetime(2026, 9, 5, 10)}
        for i, k in enumerate(recipients)
    ]  # fmt: skip
    return {
        "cbry": _frame(cb, cb_schema, "social_security", "cbry"),
        "jfmx": _frame(jf, jf_schema, "social_security", "jfmx"),
        "jzff": _frame(jz, jz_schema, "social_security", "jzff"),
    }


def _registered_unemployment() -> dict[str, pl.DataFrame]:
    """Registered unemployment (sydj): C registered on day 1 and re-employed on day 2,
    D registered (still on day 2), F registered by mistake and deleted on day 2."""
    s = pl.String
    schema = {
        "id_number": s, "name": s, "registered_date": pl.Date, "status": s,
        "community_code": s, "op": s, "updated_at": pl.Datetime("us"),
    }  # fmt: skip

    def row(k: str, status: str, op: str, at: datetime, **kw: object) -> dict:
        base = {"id_number": P[k], "name": "某", "registered_date": date(2026, 6, 1)}
        return {**base, "status": status, "community_code": C1, "op": op, "updated_at": at, **kw}

    rows = [
        row("C", "registered", "I", datetime(2026, 9, 30, 9)),
        row("D", "registered", "I", datetime(2026, 9, 30, 10), community_code=C2),
        row("F", "registered", "I", datetime(2026, 9, 30, 11)),
        row("C", "re_employed", "U", datetime(2026, 10, 1, 9), _d=D2),
        row("F", "registered", "D", datetime(2026, 10, 1, 10), _d=D2),
    ]
    return {"sydj": _frame(rows, schema, "social_security", "sydj")}


# 公共服务设施 (ggss), two monthly snapshots (day 1 and day 2 stand in for them)
FACILITIES = [
    # facility_id, type, unit, building, community, capacity, in use, status
    ("MZ-YL-000001", "养老机构", "床位", B1, C1, 120, 90, "运营"),
    ("MZ-RZ-000001", "日间照料中心", "床位", B2, C1, 20, 12, "运营"),
    ("WJ-YY-000001", "医院", "床位", B3, C2, 300, 260, "运营"),
    ("JY-XX-000001", "小学", "学位", B2, C1, 900, None, "在建"),
    ("MZ-SG-000001", "社工站", "工位", B1, C1, 8, 7, "运营"),
    # a pre-2017 community code and no building: on the unlocated members
    ("WJ-SQ-000001", "社区健康服务中心", "床位", None, "440306001001", 10, 4, "运营"),
    # listed on day 1 only: closed by day 2
    ("MZ-YL-000002", "养老机构", "床位", B3, C2, 60, 50, "运营"),
]


def _facilities() -> dict[str, pl.DataFrame]:
    s = pl.String
    schema = {
        "ssbm": s, "ssmc": s, "sslx": s, "zgbm": s, "ldbm": s, "sqdm": s, "jd": pl.Float64,
        "wd": pl.Float64, "rllx": s, "hdrl": pl.Int64, "zys": pl.Int64, "czsgs": pl.Int64,
        "qyrq": pl.Date, "tyrq": pl.Date, "zt": s, "gxsj": pl.Datetime("us"),
    }  # fmt: skip
    dept = {"MZ": "民政", "JY": "教育", "WJ": "卫健"}
    rows = [
        {"ssbm": fid, "ssmc": f"设施{fid}", "sslx": kind, "zgbm": dept[fid[:2]], "ldbm": b,
         "sqdm": c, "jd": 113.88, "wd": 22.55, "rllx": unit, "hdrl": cap, "zys": use,
         "czsgs": 6 if kind == "社工站" else None,
         "qyrq": date(2027, 9, 1) if status == "在建" else date(2015, 1, 1), "tyrq": None,
         "zt": status, "gxsj": datetime(d.year, d.month, d.day, 8), "_d": d}
        for d in (D1, D2)
        for fid, kind, unit, b, c, cap, use, status in FACILITIES
        if not (d == D2 and fid == "MZ-YL-000002")
    ]  # fmt: skip
    return {"ggss": _frame(rows, schema, "facilities", "ggss")}


def _events() -> dict[str, pl.DataFrame]:
    s = pl.String
    schema = {
        "event_id": s, "seq": pl.Int64, "state": s, "at": pl.Datetime("us"),
        "category_code": s, "category_name": s, "channel": s, "grid_code": s,
        "building_code": s, "lon": pl.Float64, "lat": pl.Float64, "department": s,
        "deadline": pl.Datetime("us"), "merged_into": s, "description": s,
    }  # fmt: skip
    t0 = datetime(2026, 9, 28, 8)
    h = timedelta(hours=1)

    def ev(eid: str, seq: int, state: str, at: datetime, **kw: object) -> dict:
        base = {"event_id": eid, "seq": seq, "state": state, "at": at,
                "category_code": "0101", "category_name": "暴露垃圾", "channel": "patrol",
                "grid_code": G1, "building_code": B1, "lon": 113.881, "lat": 22.551,
                "department": None, "deadline": None, "merged_into": None,
                "description": "x"}  # fmt: skip
        return {**base, **kw}

    dept = {"department": "新安街道城管办"}
    rows = [
        # E1: on time; states 3-4 arrive in the next day's file and out of order
        ev("E1", 1, "reported", t0), ev("E1", 2, "registered", t0 + h),
        ev("E1", 4, "handled", t0 + 5 * h, _d=D2, **dept),
        ev("E1", 3, "dispatched", t0 + 2 * h, deadline=t0 + 48 * h, _d=D2, **dept),
        ev("E1", 5, "verified", t0 + 6 * h, _d=D2), ev("E1", 6, "closed", t0 + 7 * h, _d=D2),
        # E2: rework (handled twice), closed late, reopened and closed again
        ev("E2", 1, "reported", t0, grid_code=G2, building_code=B2, channel="hotline"),
        ev("E2", 2, "registered", t0 + h, grid_code=G2),
        ev("E2", 3, "dispatched", t0 + 2 * h, deadline=t0 + 24 * h, grid_code=G2, **dept),
        ev("E2", 4, "handled", t0 + 20 * h, grid_code=G2, **dept),
        ev("E2", 5, "handled", t0 + 30 * h, grid_code=G2, **dept),
        ev("E2", 6, "verified", t0 + 31 * h, grid_code=G2),
        ev("E2", 7, "closed", t0 + 32 * h, grid_code=G2),
        ev("E2", 8, "reopened", t0 + 40 * h, grid_code=G2),
        ev("E2", 9, "closed", t0 + 45 * h, grid_code=G2, _d=D2),
        # E3: a duplicate report of E1's incident, merged into it
        ev("E3", 1, "reported", t0 + 0.1 * h), ev("E3", 2, "merged", t0 + h, merged_into="E1"),
        # E4: dispatched, never closed, deadline passed: overdue backlog
        ev("E4", 1, "reported", t0, grid_code=G3, building_code=B3, category_code="0201",
           category_name="违规广告"),
        ev("E4", 2, "registered", t0 + h, grid_code=G3, category_code="0201"),
        ev("E4", 3, "dispatched", t0 + 3 * h, deadline=t0 + 10 * h, grid_code=G3,
           category_code="0201", department="西乡街道城管办"),
        # E5: closed before it was reported (a defect the model must flag, not drop)
        ev("E5", 1, "reported", t0 + 10 * h), ev("E5", 2, "closed", t0 + 9 * h),
        # E6: no grid, building or position (a hotline address that matched nothing):
        # counted on the unlocated street's unlocated community and grid
        ev("E6", 1, "reported", t0 + 3 * h, grid_code=None, building_code=None, lon=None,
           lat=None, channel="hotline"),
        # E7: a grid code whose community segment is no community of its street (a
        # mistyped or outdated code): the street's unlocated community and grid
        ev("E7", 1, "reported", t0 + 4 * h, grid_code="440306017777001", building_code=None),
        # E8: its report state never arrived (only the registration did): counted
        # in the period of its first known state
        ev("E8", 2, "registered", t0 + 5 * h, grid_code=G3, building_code=B3, _d=D2),
        # E9, E10: after the geography change (CHANGE_DATE), one on the new grid code,
        # one delivered late with the old (retired) code of the same grid
        ev("E9", 1, "reported", t0 + 30 * h, grid_code=GS, building_code=None, _d=D2),
        ev("E9", 2, "closed", t0 + 31 * h, grid_code=GS, _d=D2),
        ev("E10", 1, "reported", t0 + 32 * h, grid_code=G2, building_code=B2, _d=D2),
        ev("E10", 2, "closed", t0 + 33 * h, grid_code=G2, _d=D2),
    ]  # fmt: skip
    rx_schema = {
        "ticket_id": s, "received_at": pl.Datetime("us"), "caller_phone": s, "content": s,
        "category": s, "address_text": s, "event_id": s, "satisfaction": s,
    }  # fmt: skip
    rx = [
        {"ticket_id": "T1", "received_at": t0 - h, "caller_phone": "13800000001",
         "content": "垃圾", "category": "市容环境", "address_text": "宝民路", "event_id": "E2",
         "satisfaction": "4"},
        {"ticket_id": "T2", "received_at": t0, "caller_phone": "13800000002",
         "content": "咨询", "category": "咨询", "address_text": None, "event_id": None,
         "satisfaction": None},
    ]  # fmt: skip
    return {
        "sjlz": _frame(rows, schema, "events", "sjlz"),
        "rx12345": _frame(rx, rx_schema, "events", "rx12345"),
    }


def _geography_changes() -> dict[str, pl.DataFrame]:
    """The data office's register (qhtz) on day 2: the planted split and redrawing, and
    one change whose shares do not sum to 1 (rejected with its reason)."""
    s, f = pl.String, pl.Float64
    schema = {
        "change_id": s, "unit_level": s, "predecessor_code": s, "successor_code": s,
        "successor_name": s, "effective_date": pl.Date, "population_share": f,
        "area_share": f, "basis": s, "updated_at": pl.Datetime("us"),
    }  # fmt: skip
    at = datetime(2026, 10, 1, 17)

    def line(change: str, level: str, old: str, new: str, share: float, **kw: object) -> dict:
        return {"change_id": change, "unit_level": level, "predecessor_code": old,
                "successor_code": new, "successor_name": None, "effective_date": CHANGE_DATE,
                "population_share": share, "area_share": share, "basis": "宝民政〔2026〕9号",
                "updated_at": at, "_d": D2, **kw}  # fmt: skip

    rows = [
        line("QH2026-01", "社区", C1, C1, 0.7),
        line("QH2026-01", "社区", C1, CS, 0.3, successor_name="宝民南社区"),
        line("QH2026-01", "网格", G2, GS, 1.0),
        line("QH2026-02", "网格", G1, G1, 0.6),
        line("QH2026-02", "网格", G1, G4, 0.4),
        line("QH2026-03", "社区", C2, C2, 0.5),
        line("QH2026-03", "社区", C2, "440306018191", 0.3),
    ]
    return {"qhtz": _frame(rows, schema, "events", "qhtz")}


def build_raw_tables(clean: bool = False) -> dict[str, pl.DataFrame]:
    """Every `raw.<kind>` table of the fixture."""
    return {
        **_population(clean),
        **_entities(clean),
        **_housing(),
        **_social_security(clean),
        **_registered_unemployment(),
        **_facilities(),
        **_events(),
        **_geography_changes(),
    }


def expected(clean: bool = False) -> Expected:
    """Cross-check findings (rule → plain keys) the models must report."""
    if clean:
        return Expected({})
    return Expected(
        {
            "xc_assistance_legal_rep": {P["F"]},
            "xc_assistance_high_base": {P["B"]},
            "xc_insured_no_residence": {P["E"]},
            "xc_entity_no_building": {uscc(7)},
            "xc_building_over_capacity": {B3},
        }
    )


def write_warehouse(path: Path, clean: bool = False, up_to: date | None = None) -> None:
    """Write the fixture's `raw` schema into a fresh DuckDB file at ``path``.

    ``up_to`` keeps only deliveries up to that date (see ``deliver``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    tables = build_raw_tables(clean)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        for kind, frame in tables.items():
            if up_to is not None:
                frame = frame.filter(pl.col("_delivery_date") <= up_to)
            con.register("_frame", frame.to_arrow())
            con.execute(f"create table raw.{kind} as select * from _frame")
            con.unregister("_frame")


def deliver(path: Path, after: date, clean: bool = False) -> None:
    """Append the deliveries later than ``after``: a daily load, as the ingest does."""
    with duckdb.connect(str(path)) as con:
        for kind, frame in build_raw_tables(clean).items():
            con.register("_frame", frame.filter(pl.col("_delivery_date") > after).to_arrow())
            con.execute(f"insert into raw.{kind} select * from _frame")
            con.unregister("_frame")


if __name__ == "__main__":
    write_warehouse(Path(sys.argv[1]), clean="--clean" in sys.argv)
