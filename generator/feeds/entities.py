"""Entities feed: market-regulation changes (CSV with BOM) and social organisations (xlsx)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import FeedContext, member, random_times, stamp, write_success
from generator.planted_cross_checks import Cases

FEED = "entities"
SCJG_COLUMNS = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "法定代表人",
    "法定代表人证件号码",
    "注册地址",
    "经营场所房屋编码",
    "行业代码",
    "登记状态",
    "成立日期",
    "注销日期",
    "注册资本(万元)",
    "从业人数",
    "更新时间",
]
MZ_COLUMNS = [
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
]
MZ_SHEET = "社会组织"
_NEW_RATE, _CANCEL_RATE, _MOVE_RATE, _UPDATE_RATE = 0.0003, 0.0002, 0.0002, 0.0003
ACTIVE = ["存续", "在业"]
_MZ_STATUS = {"存续": "正常", "在业": "正常", "注销": "注销", "吊销": "撤销", "迁出": "迁出"}


def write(ctx: FeedContext, cases: Cases) -> set[str]:
    """Write both registries for every date; return the premises building codes in use.

    The returned set is every building that holds an active entity at some point
    of the range (the housing feed keeps those buildings loadable).
    """
    ents = cases.entities
    scjg = ents.filter(pl.col("registry") == "scjg").sort("uscc")
    mz = ents.filter(pl.col("registry") == "mz").sort("uscc")
    changes, final = _timeline(ctx, cases, scjg)
    _record_over_capacity(ctx, pl.concat([final, mz], how="vertical"))

    for i, d in enumerate(ctx.dates):
        _write_scjg(ctx, d, i, changes[i], cases)
        _write_mz(ctx, d, i, mz)
        ctx.tick("entities", i + 1, ctx.days)
    write_success(ctx, FEED)
    active_rooms = pl.concat(
        [c.filter(pl.col("status").is_in(ACTIVE))["room_code"] for c in changes]
        + [mz.filter(pl.col("status").is_in(ACTIVE))["room_code"]]
    )
    return set(active_rooms.str.slice(0, 17).unique().to_list())


def _timeline(
    ctx: FeedContext, cases: Cases, scjg: pl.DataFrame
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Per delivery date the market-regulation change rows, and the state after the last.

    Keeps the world's invariant that an active entity never shares its room
    with another active one (only the planted cases break it): entities born
    during the range are active ones of the world (their rooms are their own),
    and a moving entity goes to a non-residential room no active entity uses,
    each such room taken at most once.
    """
    rng = ctx.rng(FEED, "timeline")
    employers = ctx.world.persons["employer_uscc"].drop_nulls().unique()
    usccs = scjg["uscc"].to_numpy()
    # entities nobody depends on may be born, cancelled or moved during the range
    mutable = ~member(usccs, cases.case_entities) & ~member(usccs, employers)
    active0 = scjg["status"].is_in(ACTIVE).to_numpy()
    n = scjg.height
    born = np.zeros(n, dtype=np.int64)
    if ctx.days > 1:
        late = mutable & active0 & (rng.random(n) < _NEW_RATE * (ctx.days - 1))
        born[late] = rng.integers(1, ctx.days, late.sum())
    changes: list[pl.DataFrame] = [scjg.filter(pl.Series(born == 0))]
    state = scjg
    occupied = cases.entities.filter(pl.col("status").is_in(ACTIVE))["room_code"]
    free_rooms = ctx.world.rooms.filter(
        (pl.col("use") != "residential") & ~pl.col("room_code").is_in(occupied.implode())
    )["room_code"].sort()
    free_rooms = free_rooms.gather(rng.permutation(free_rooms.len()))
    next_free = 0
    for i in range(1, ctx.days):
        day_rng = ctx.rng(FEED, "day", i)
        on = ctx.dates[i] - timedelta(days=1)
        newborn = np.flatnonzero(born == i)
        parts = [state[newborn].with_columns(pl.lit(on).alias("established"))]
        live = np.flatnonzero(mutable & (born < i) & state["status"].is_in(ACTIVE).to_numpy())
        cancel = dirt.binomial_pick(day_rng, live, _CANCEL_RATE)
        parts.append(
            state[cancel].with_columns(
                pl.Series(
                    "status",
                    day_rng.choice(
                        np.array(["注销", "吊销", "迁出"]), len(cancel), p=[0.7, 0.2, 0.1]
                    ),
                ),
                pl.lit(on).alias("cancelled"),
            )
        )
        rest = dirt.without(live, cancel)
        move = dirt.binomial_pick(day_rng, rest, _MOVE_RATE)
        move = move[: max(0, free_rooms.len() - next_free)]
        targets = free_rooms.slice(next_free, len(move))
        next_free += len(move)
        parts.append(state[move].with_columns(targets.alias("room_code")))
        upd = dirt.binomial_pick(day_rng, dirt.without(rest, move), _UPDATE_RATE)
        parts.append(
            state[upd].with_columns(
                (pl.col("employees") + pl.Series(day_rng.integers(-3, 8, len(upd))))
                .clip(0)
                .alias("employees")
            )
        )
        day_changes = pl.concat(parts, how="vertical")
        for idx, part in (
            (newborn, parts[0]),
            (cancel, parts[1]),
            (move, parts[2]),
            (upd, parts[3]),
        ):
            if len(idx):
                state = state.with_columns([state[c].scatter(idx, part[c]) for c in part.columns])
        changes.append(day_changes)
    return changes, state


def _record_over_capacity(ctx: FeedContext, final: pl.DataFrame) -> None:
    """Every building with more active entities than rooms at the end of the range.

    Only the planted cases (the shared room, the crowded small building) can
    cause one; they are recorded here, against the final state the warehouse sees.
    """
    if ctx.rates.clean:
        return
    rooms = ctx.world.rooms
    per_building = rooms.group_by("building_code").len("rooms")
    over = (
        final.filter(pl.col("status").is_in(ACTIVE))
        .join(rooms.select("room_code", "building_code"), on="room_code", how="inner")
        .group_by("building_code")
        .len("entities")
        .join(per_building, on="building_code")
        .filter(pl.col("entities") > pl.col("rooms"))
        .sort("building_code")
    )
    ctx.manifest.add(
        "xc_building_over_capacity",
        "model",
        "housing",
        keys=over["building_code"].to_list(),
        detail=pl.Series(
            [
                f"{e} entities, {r} rooms"
                for e, r in zip(over["entities"], over["rooms"], strict=True)
            ],
            dtype=pl.String,
        ),
    )


def _write_scjg(ctx: FeedContext, d: date, i: int, ents: pl.DataFrame, cases: Cases) -> None:
    rng = ctx.rng(FEED, "scjg_frxx", i)
    rows = ents.select(
        pl.col("uscc").alias("统一社会信用代码"),
        pl.col("name").alias("名称"),
        pl.col("entity_type").alias("主体类型"),
        pl.col("legal_rep_name").alias("法定代表人"),
        pl.col("legal_rep_id").alias("法定代表人证件号码"),
        pl.col("address").alias("注册地址"),
        pl.col("room_code").alias("经营场所房屋编码"),
        pl.col("industry_code").alias("行业代码"),
        pl.col("status").alias("登记状态"),
        pl.col("established").dt.strftime("%Y-%m-%d").alias("成立日期"),
        pl.col("cancelled").dt.strftime("%Y-%m-%d").alias("注销日期"),
        pl.col("capital_wan").round(2).cast(pl.String).alias("注册资本(万元)"),
        pl.col("employees").cast(pl.String).alias("从业人数"),
        random_times(rng, d - timedelta(days=1), ents.height).alias("更新时间"),
    ).sort("更新时间", "统一社会信用代码")

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        plan = FilePlan(
            rows,
            rng,
            ctx.rates,
            key_column="统一社会信用代码",
            key_columns=["统一社会信用代码", "更新时间"],
        )
        plan.reserve(np.flatnonzero(member(rows["统一社会信用代码"], cases.case_entities)))
        code = "统一社会信用代码"
        plan.corrupt(
            "bad_check_digit",
            code,
            "invalid_uscc",
            lambda s, r: dirt.corrupt_uscc(s[code], r),
            detail="wrong check char",
        )
        plan.bad_citizen_ids("法定代表人证件号码")
        plan.fullwidth_digits(code)
        plan.padded_spaces(code)
        plan.corrupt(
            "orphan_code",
            "经营场所房屋编码",
            "unknown_community",
            lambda s, r: dirt.orphan_community(s["经营场所房屋编码"]),
            # an active entity at an unknown address is a cross-check finding, not a row defect
            eligible=~rows["登记状态"].is_in(ACTIVE).to_numpy(),
            detail="pre-2017 street code",
        )
        plan.corrupt(
            "bad_date",
            "成立日期",
            "bad_date",
            lambda s, r: dirt.bad_dates(s.height, r, compact=False),
            detail="unparseable",
        )
        plan.corrupt(
            "bad_enum",
            "登记状态",
            "bad_enum",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["开业", "正常", "unknown"]),
            detail="status outside the code list",
        )
        plan.truncate("更新时间")
        plan.duplicate_exact()
        plan.duplicate_key(
            "从业人数",
            lambda s, r: (
                s["从业人数"].cast(pl.Int64) + 1 + pl.Series(r.integers(0, 5, s.height))
            ).cast(pl.String),
        )
        return plan

    ctx.deliver_chunked(
        rows,
        plan_for,
        rng,
        feed=FEED,
        kind="scjg_frxx",
        day=d,
        name=f"scjg_frxx_{stamp(d)}.csv",
        fmt="csv",
        encoding="utf-8-sig",
    )


def _write_mz(ctx: FeedContext, d: date, i: int, mz: pl.DataFrame) -> None:
    rng = ctx.rng(FEED, "mz_shzz", i)
    rows = mz.select(
        pl.col("uscc").alias("统一社会信用代码"),
        pl.col("name").alias("名称"),
        pl.col("entity_type").alias("类别"),
        pl.col("scope").alias("业务范围"),
        pl.col("legal_rep_name").alias("法定代表人"),
        pl.col("room_code").alias("住所房屋编码"),
        pl.col("established").dt.strftime("%Y-%m-%d").alias("登记日期"),
        pl.col("status").replace_strict(_MZ_STATUS, default="正常").alias("状态"),
        pl.col("rating").alias("评估等级"),
        pl.col("staff").cast(pl.String).alias("专职工作人员数"),
        pl.col("social_workers").cast(pl.String).alias("持证社工数"),
    )
    plan = FilePlan(rows, rng, ctx.rates, key_column="统一社会信用代码")
    code = "统一社会信用代码"
    plan.corrupt(
        "bad_check_digit",
        code,
        "invalid_uscc",
        lambda s, r: dirt.corrupt_uscc(s[code], r),
        detail="wrong check char",
    )
    plan.padded_spaces(code)
    plan.corrupt(
        "bad_enum",
        "类别",
        "bad_enum",
        lambda s, r: dirt.bad_enum_values(s.height, r, ["协会", "其他"]),
        detail="category outside the code list",
    )
    plan.corrupt(
        "bad_date",
        "登记日期",
        "bad_date",
        lambda s, r: dirt.bad_dates(s.height, r, compact=False),
        detail="unparseable",
    )
    plan.duplicate_exact()
    ctx.deliver(
        plan,
        feed=FEED,
        kind="mz_shzz",
        day=d,
        name=f"mz_shzz_{stamp(d)}.xlsx",
        fmt="xlsx",
        sheet=MZ_SHEET,
    )
