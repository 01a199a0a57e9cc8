"""Facilities feed (FEEDS.md section 6): the monthly public-service facilities snapshot.

``facilities/<date>/ggss_<yyyymmdd>.csv``, GB18030, Chinese headers, a full
snapshot on the first working day of each month (Monday to Friday; the
holiday calendar is not modelled). When the generated range holds no such day
the snapshot is delivered on the first date, so every range has one.

Capacities follow the population the world houses, street by street, at
Bao'an-like provision rates: elderly-care beds per resident aged 60+, childcare
places per child under 3, kindergarten / primary / junior-secondary seats per
child of the age, hospital beds and social workers per resident. A street's
capacity of a type is split over facilities of a typical size (at least one),
placed in buildings of the street's communities. A few facilities are under
construction (在建, planned capacity, an opening date in the future), a few
closed but still listed (停业, with a closing date); a facility missing from a
later snapshot has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import FeedContext, stamp, write_success

FEED = "facilities"
KIND = "ggss"
ENCODING = "gb18030"
COLUMNS = [
    "设施编码",
    "设施名称",
    "设施类型",
    "主管部门",
    "楼栋编码",
    "社区代码",
    "经度",
    "纬度",
    "容量类型",
    "核定容量",
    "在用数",
    "持证社工数",
    "启用日期",
    "停用日期",
    "状态",
    "更新时间",
]


@dataclass(frozen=True)
class FacilityType:
    name: str  # 设施类型
    department: str  # 主管部门
    prefix: str  # facility id prefix
    unit: str  # 容量类型
    base: str  # the population a capacity is provided for (see _bases)
    rate: tuple[float, float]  # capacity per member of ``base``, drawn per street
    size: int  # typical capacity of one facility
    suffix: str  # name suffix
    use: tuple[float, float]  # share of capacity in use


TYPES = (
    FacilityType(
        "养老机构", "民政", "MZ-YL", "床位", "age60", (0.020, 0.034), 200, "养老院", (0.55, 0.90)
    ),
    FacilityType(
        "日间照料中心",
        "民政",
        "MZ-RZ",
        "床位",
        "age60",
        (0.003, 0.008),
        25,
        "日间照料中心",
        (0.40, 0.85),
    ),
    FacilityType(
        "托育机构", "卫健", "WJ-TY", "托位", "age0_2", (0.10, 0.20), 60, "托育园", (0.50, 0.90)
    ),
    FacilityType(
        "幼儿园", "教育", "JY-YE", "学位", "age3_5", (0.85, 1.10), 360, "幼儿园", (0.80, 0.98)
    ),
    FacilityType(
        "小学", "教育", "JY-XX", "学位", "age6_11", (0.80, 1.05), 1800, "小学", (0.85, 0.99)
    ),
    FacilityType(
        "初中", "教育", "JY-CZ", "学位", "age12_14", (0.75, 1.05), 1200, "中学", (0.85, 0.99)
    ),
    FacilityType(
        "社区健康服务中心",
        "卫健",
        "WJ-SQ",
        "床位",
        "all",
        (0.0001, 0.0003),
        10,
        "社区健康服务中心",
        (0.30, 0.80),
    ),
    FacilityType(
        "医院", "卫健", "WJ-YY", "床位", "all", (0.0019, 0.0036), 600, "人民医院", (0.70, 0.95)
    ),
    FacilityType(
        "社工站", "民政", "MZ-SG", "工位", "all", (0.0007, 0.0012), 12, "社工站", (0.70, 1.00)
    ),
)
BY_NAME = {t.name: t for t in TYPES}
_BUILDING_PREFERENCE = {
    "public_housing": 4.0,
    "commercial": 3.0,
    "office": 3.0,
    "urban_village": 1.0,
    "dormitory": 0.5,
    "factory": 0.2,
}
_UNDER_CONSTRUCTION, _CLOSED_LISTED, _CLOSE_PER_MONTH = 0.06, 0.02, 0.01


def snapshot_dates(dates: list[date]) -> list[date]:
    """The first working day (Mon-Fri) of each month in ``dates``, else the first date."""
    firsts = []
    for d in dates:
        first = d.replace(day=1)
        while first.weekday() >= 5:
            first += timedelta(days=1)
        if d == first:
            firsts.append(d)
    return firsts or dates[:1]


def write(ctx: FeedContext) -> None:
    """Write one snapshot per month of the range; planted defects go to the manifest."""
    days = snapshot_dates(ctx.dates)
    base = facilities(ctx)
    alive = np.ones(base.height, dtype=bool)
    for j, d in enumerate(days):
        rng = ctx.rng(FEED, KIND, d)
        if j:  # closures since the last snapshot: the facility is no longer listed
            alive &= rng.random(base.height) >= _CLOSE_PER_MONTH * _months(days[j - 1], d)
        _write_snapshot(ctx, d, base.filter(pl.Series(alive)), rng)
        ctx.tick(FEED, j + 1, len(days))
    write_success(ctx, FEED)


def _months(a: date, b: date) -> int:
    return max(1, (b.year - a.year) * 12 + b.month - a.month)


def _bases(ctx: FeedContext) -> pl.DataFrame:
    """Residents per street by the age groups capacities are provided for."""
    as_of = ctx.start
    p = ctx.world.persons.select(
        pl.col("room_code").str.slice(0, 12).alias("community_code12"),
        ((pl.lit(as_of) - pl.col("birth_date")).dt.total_days() // 365).alias("age"),
    ).join(ctx.world.communities.select("community_code12", "street_code12"), on="community_code12")
    a = pl.col("age")
    return (
        p.group_by("street_code12")
        .agg(
            pl.len().alias("all"),
            (a >= 60).sum().alias("age60"),
            (a <= 2).sum().alias("age0_2"),
            a.is_between(3, 5).sum().alias("age3_5"),
            a.is_between(6, 11).sum().alias("age6_11"),
            a.is_between(12, 14).sum().alias("age12_14"),
        )
        .sort("street_code12")
    )


def facilities(ctx: FeedContext) -> pl.DataFrame:
    """Every facility of the world as of the first date (clean; one row each)."""
    rng = ctx.rng(FEED, "world")
    bases = _bases(ctx)
    comms = ctx.world.communities.select("community_code12", "community_name", "street_code12")
    streets = ctx.world.streets.select("street_code12", "street_name")
    blds = ctx.world.buildings.select(
        "building_code", "community_code12", "lon", "lat", "building_type"
    ).sort("building_code")
    bld_weight = blds["building_type"].replace_strict(_BUILDING_PREFERENCE, default=1.0).to_numpy()
    rows: list[tuple] = []
    seq: dict[str, int] = {}
    for street in bases.iter_rows(named=True):
        in_street = comms.filter(pl.col("street_code12") == street["street_code12"])
        cands = np.flatnonzero(
            blds["community_code12"].is_in(in_street["community_code12"].implode()).to_numpy()
        )
        if len(cands) == 0:
            continue
        sname = streets.filter(pl.col("street_code12") == street["street_code12"])["street_name"]
        for t in TYPES:
            total = street[t.base] * rng.uniform(*t.rate)
            k = int(max(1, round(total / t.size)))
            caps = np.maximum(1, np.round(total * rng.dirichlet(np.full(k, 4.0)))).astype(int)
            w = bld_weight[cands] / bld_weight[cands].sum()
            where = rng.choice(cands, size=k, replace=True, p=w)
            for cap, b in zip(caps, where, strict=True):
                seq[t.prefix] = seq.get(t.prefix, 0) + 1
                bld = blds.row(int(b), named=True)
                cname = comms.filter(pl.col("community_code12") == bld["community_code12"])[
                    "community_name"
                ][0]
                rows.append(
                    _facility(
                        t,
                        seq[t.prefix],
                        int(cap),
                        bld,
                        cname,
                        sname[0] if len(sname) else "",
                        ctx.start,
                        rng,
                    )
                )
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row").sort("设施编码")


_SCHEMA = {
    "设施编码": pl.String,
    "设施名称": pl.String,
    "设施类型": pl.String,
    "主管部门": pl.String,
    "楼栋编码": pl.String,
    "社区代码": pl.String,
    "经度": pl.Float64,
    "纬度": pl.Float64,
    "容量类型": pl.String,
    "核定容量": pl.Int64,
    "_use_share": pl.Float64,
    "持证社工数": pl.Int64,
    "启用日期": pl.Date,
    "停用日期": pl.Date,
    "状态": pl.String,
}


def _facility(
    t: FacilityType,
    n: int,
    cap: int,
    bld: dict,
    community_name: str,
    street_name: str,
    as_of: date,
    rng: np.random.Generator,
) -> tuple:
    u = rng.random()
    if u < _UNDER_CONSTRUCTION:
        status = "在建"
        opens = as_of + timedelta(days=int(rng.integers(60, 900)))
        closed = None
    elif u < _UNDER_CONSTRUCTION + _CLOSED_LISTED:
        status = "停业"
        opens = as_of - timedelta(days=int(rng.integers(1500, 9000)))
        closed = as_of - timedelta(days=int(rng.integers(20, 300)))
    else:
        status = "运营"
        opens = as_of - timedelta(days=int(rng.integers(30, 9000)))
        closed = None
    place = community_name.removesuffix("居委会").removesuffix("村委会")
    name = f"宝安区{street_name}{place}{t.suffix}" + (f"{n % 7 + 1}号" if t.size >= 200 else "")
    workers = int(max(1, round(cap * rng.uniform(0.6, 0.9)))) if t.name == "社工站" else None
    return (
        f"{t.prefix}-{n:06d}",
        name,
        t.name,
        t.department,
        bld["building_code"],
        bld["community_code12"],
        round(float(bld["lon"]) + rng.normal(0, 0.0002), 6),
        round(float(bld["lat"]) + rng.normal(0, 0.0002), 6),
        t.unit,
        cap,
        float(rng.uniform(*t.use)) if status == "运营" and rng.random() > 0.1 else None,
        workers,
        opens,
        closed,
        status,
    )


def _write_snapshot(ctx: FeedContext, d: date, fac: pl.DataFrame, rng: np.random.Generator) -> None:
    drift = pl.Series(np.clip(rng.normal(1.0, 0.03, fac.height), 0.5, 1.2))
    updated = d - timedelta(days=1)
    opened = (pl.col("状态") == "在建") & (pl.col("启用日期") <= d)
    rows = fac.with_columns(
        # a facility under construction whose opening date has come is operating
        pl.when(opened).then(pl.lit("运营")).otherwise(pl.col("状态")).alias("状态"),
        (pl.col("核定容量") * pl.col("_use_share") * drift)
        .round(0)
        .clip(0, pl.col("核定容量"))
        .cast(pl.Int64)
        .alias("在用数"),
    ).select(
        "设施编码",
        "设施名称",
        "设施类型",
        "主管部门",
        "楼栋编码",
        "社区代码",
        pl.col("经度").cast(pl.String),
        pl.col("纬度").cast(pl.String),
        "容量类型",
        pl.col("核定容量").cast(pl.String),
        pl.col("在用数").cast(pl.String),
        pl.col("持证社工数").cast(pl.String),
        pl.col("启用日期").dt.strftime("%Y-%m-%d"),
        pl.col("停用日期").dt.strftime("%Y-%m-%d"),
        "状态",
        pl.lit(f"{updated:%Y-%m-%d} 18:00:00").alias("更新时间"),
    )
    plan = FilePlan(rows, rng, ctx.rates, key_column="设施编码")
    dirt.plant_damage(plan, "设施名称")
    plan.old_community_codes("社区代码")
    plan.corrupt(
        "bad_check_digit",
        "楼栋编码",
        "invalid_code",
        lambda s, r: s["楼栋编码"].str.slice(0, 16),
        detail="building code one digit short",
    )
    plan.fullwidth_digits("楼栋编码")
    plan.corrupt(
        "bad_enum",
        "状态",
        "bad_enum",
        lambda s, r: dirt.bad_enum_values(s.height, r, ["正常", "营业中", "open"]),
        detail="status outside the code list",
    )
    plan.corrupt(
        "bad_date",
        "启用日期",
        "bad_date",
        lambda s, r: dirt.bad_dates(s.height, r, compact=False),
        detail="unparseable date",
    )
    plan.corrupt(
        "end_before_start",
        "停用日期",
        "end_before_start",
        lambda s, r: pl.Series(["1990-01-01"] * s.height),
        detail="closing date before the opening date",
        fill_empty=True,
        eligible=rows["启用日期"]
        .str.slice(0, 4)
        .cast(pl.Int64, strict=False)
        .fill_null(0)
        .gt(1991)
        .to_numpy(),
    )
    plan.truncate("更新时间")
    plan.duplicate_exact()
    ctx.deliver(
        plan,
        feed=FEED,
        kind=KIND,
        day=d,
        name=f"{KIND}_{stamp(d)}.csv",
        fmt="csv",
        encoding=ENCODING,
    )
