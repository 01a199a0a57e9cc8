"""Population feed: the public-security register (GBK CSV changes) and grid collection (JSONL).

Day 1 is the initial load; later days carry the day's moves, arrivals,
departures, phone updates and (dirt) upstream deletes. The grid channel sees
some moves the register misses, and spells some names and phones differently:
those are the model-level conflicts the warehouse has to reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import (
    CHUNK_ROWS,
    FeedContext,
    format_seconds,
    member,
    random_seconds,
    random_times,
    stamp,
    write_success,
)
from generator.geography_change import GeographyChange, recode_codes
from generator.planted_cross_checks import Cases

FEED = "population"
GA_COLUMNS = [
    "GMSFHM",
    "XM",
    "XBDM",
    "CSRQ",
    "MZDM",
    "HJLB",
    "JZZBH",
    "FWBM",
    "RZRQ",
    "LKRQ",
    "LXDH",
    "CZLX",
    "GXSJ",
]
GRID_COLUMNS = [
    "record_id",
    "channel",
    "collector_id",
    "collected_at",
    "id_number",
    "name",
    "phone",
    "room_code",
    "grid_code",
    "lon",
    "lat",
    "employer_uscc",
    "tags",
    "note",
]

# common given-name characters for a second spelling of a name
_ALT_CHARS = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚桂华红玲斌"))
_MOVE_RATE, _ARRIVE_RATE, _LEAVE_RATE, _PHONE_RATE = 0.0008, 0.0004, 0.0003, 0.0005
_GRID_SHARE_DAY1, _SELF_SHARE = 0.85, 0.2


@dataclass
class _Day:
    """The register and grid changes of one delivery date."""

    register: list[pl.DataFrame]
    grid: list[pl.DataFrame]


def write(
    ctx: FeedContext,
    cases: Cases,
    linked: pl.Series | None = None,
    change: GeographyChange | None = None,
) -> None:
    """Write both channels for every date.

    ``linked``: citizen IDs other feeds rely on finding here (the insured); no
    row defect that makes a record unreadable (bad check character, truncated
    record) hits them, or they would look like insured persons without a
    residence record, a cross-check case that only ``plan_cases`` plants.
    """
    rng = ctx.rng(FEED, "timeline")
    linked = pl.Series("id", [], pl.String) if linked is None else linked
    persons = cases.persons.with_columns(pl.lit(None, pl.Date).alias("move_out"))
    n = persons.height
    res = _residential_rooms(ctx)

    # persons who arrive during the range are absent from the initial load
    n_later = ctx.days - 1
    arrive_day = np.zeros(n, dtype=np.int64)
    if n_later:
        late = rng.random(n) < _ARRIVE_RATE * n_later
        late[member(persons["id_number"], cases.case_persons)] = False
        arrive_day[late] = rng.integers(1, ctx.days, late.sum())
    # the planted insured persons without a residence record never show up here
    arrive_day[member(persons["id_number"], cases.ghosts["id_number"])] = ctx.days
    present = arrive_day == 0
    # persons whose grid records will disagree with the register (model-level cases)
    name_conf, phone_conf = _conflict_ids(ctx, persons, cases, rng)
    protect = np.concatenate([cases.case_persons, name_conf, phone_conf]).astype(object)
    missed_ids: list[np.ndarray] = [np.array([], dtype=object)] * ctx.days
    days: list[_Day] = [_Day([], []) for _ in range(ctx.days)]
    # the initial load is the bulk of the feed: write it before simulating later days,
    # one channel after the other (memory)
    _write_register(ctx, ctx.start, 0, persons, protect, linked, sel=np.flatnonzero(present))
    ctx.tick("population", 1, ctx.days * 2)
    collected, second = _initial_collections(ctx, persons, np.flatnonzero(present), rng, protect)
    _write_grid(
        ctx, ctx.start, 0, persons, name_conf, phone_conf, protect, linked, collected, second
    )
    del collected, second
    ctx.tick("population", 2, ctx.days * 2)

    state = persons  # current register view
    for i in range(1, ctx.days):
        day_rng = ctx.rng(FEED, "day", i)
        d = ctx.dates[i]
        changed_on = d - timedelta(days=1)
        idx_present = np.flatnonzero(present)
        # moves
        movers = dirt.binomial_pick(day_rng, idx_present, _MOVE_RATE)
        new_rooms = res[day_rng.integers(0, res.height, len(movers))]
        moved = state[movers].with_columns(
            new_rooms["room_code"],
            new_rooms["grid_code"],
            new_rooms["lon"],
            new_rooms["lat"],
            pl.lit(changed_on).alias("move_in"),
        )
        missed = day_rng.random(len(movers)) < ctx.rates.rate("unregistered_move")
        days[i].register.append(
            moved.filter(pl.Series(~missed)).with_columns(pl.lit("U").alias("CZLX"))
        )
        seen = missed | (day_rng.random(len(movers)) < 0.5)
        days[i].grid.append(moved.filter(pl.Series(seen)))
        if missed.any():
            missed_ids[i] = moved.filter(pl.Series(missed))["id_number"].to_numpy()
            ctx.manifest.add(
                "residence_conflict",
                "model",
                FEED,
                keys=moved.filter(pl.Series(missed))["id_number"].to_list(),
                detail="grid channel saw a move the register has not",
            )
        # the register view only follows the moves it recorded
        registered = movers[~missed]
        state = _scatter_rows(
            state, registered, moved.filter(pl.Series(~missed)).select(_MOVE_COLUMNS)
        )
        avail = present.copy()
        avail[movers] = False
        # departures
        leavers = dirt.binomial_pick(day_rng, np.flatnonzero(avail), _LEAVE_RATE)
        days[i].register.append(
            state[leavers].with_columns(
                pl.lit(changed_on).alias("move_out"), pl.lit("U").alias("CZLX")
            )
        )
        present[leavers] = False
        avail[leavers] = False
        # phone updates
        updaters = dirt.binomial_pick(day_rng, np.flatnonzero(avail), _PHONE_RATE)
        upd = state[updaters].with_columns(_phones(day_rng, len(updaters)).alias("phone"))
        state = _scatter_rows(state, updaters, upd.select("phone"))
        days[i].register.append(upd.with_columns(pl.lit("U").alias("CZLX")))
        avail[updaters] = False
        # upstream deletes (dirt): the record disappears from the register
        deletes = dirt.binomial_pick(
            day_rng, np.flatnonzero(avail), ctx.rates.rate("upstream_delete")
        )
        if len(deletes):
            days[i].register.append(state[deletes].with_columns(pl.lit("D").alias("CZLX")))
            ctx.manifest.add(
                "upstream_delete",
                "model",
                FEED,
                file_kind="ga_rkxx",
                delivery_date=d,
                file=f"ga_rkxx_{stamp(d)}.csv",
                keys=state[deletes]["id_number"].to_list(),
            )
            present[deletes] = False
        # arrivals
        arrivers = np.flatnonzero(arrive_day == i)
        arr = state[arrivers].with_columns(pl.lit(changed_on).alias("move_in"))
        days[i].register.append(arr.with_columns(pl.lit("I").alias("CZLX")))
        days[i].grid.append(arr.filter(pl.Series(day_rng.random(len(arrivers)) < 0.7)))
        present[arrivers] = True
        # grid workers re-visit some residents
        revisit = dirt.binomial_pick(day_rng, np.flatnonzero(present), 0.002)
        days[i].grid.append(state[revisit])

    for i in range(1, ctx.days):
        _write_day(
            ctx,
            i,
            days,
            name_conf,
            phone_conf,
            np.concatenate([protect, missed_ids[i]]),
            linked,
            change,
        )
    write_success(ctx, FEED)


def _write_day(
    ctx: FeedContext,
    i: int,
    days: list[_Day],
    name_conf: np.ndarray,
    phone_conf: np.ndarray,
    protect: np.ndarray,
    linked: pl.Series,
    change: GeographyChange | None = None,
) -> None:
    """Write one day's register and grid files, then drop that day's frames (memory)."""
    d, total = ctx.dates[i], ctx.days * 2
    register = pl.concat(days[i].register, how="diagonal_relaxed")
    _write_register(ctx, d, i, register, protect, linked)
    ctx.tick("population", 2 * i + 1, total)
    grid = pl.concat(days[i].grid, how="diagonal_relaxed")
    days[i] = _Day([], [])
    _write_grid(ctx, d, i, grid, name_conf, phone_conf, protect, linked, change=change)
    ctx.tick("population", 2 * i + 2, total)


def _conflict_ids(
    ctx: FeedContext, persons: pl.DataFrame, cases: Cases, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if ctx.rates.clean:
        return np.array([], dtype=object), np.array([], dtype=object)
    ids_ = persons["id_number"].to_numpy()
    free = np.flatnonzero(~member(persons["id_number"], cases.case_persons))
    picked = dirt.binomial_pick(rng, free, 2 * ctx.rates.rate("channel_conflict"))
    picked = picked[rng.permutation(len(picked))]
    half = len(picked) // 2
    return ids_[np.sort(picked[:half])], ids_[np.sort(picked[half:])]


def _residential_rooms(ctx: FeedContext) -> pl.DataFrame:
    w = ctx.world
    return (
        w.rooms.filter(pl.col("use").is_in(["residential", "mixed"]))
        .join(w.buildings.select("building_code", "grid_code", "lon", "lat"), on="building_code")
        .select("room_code", "grid_code", "lon", "lat")
        .sort("room_code")
    )


# what a move changes (only changed columns are rewritten: each is a full copy)
_MOVE_COLUMNS = ["room_code", "grid_code", "lon", "lat", "move_in"]


def _scatter_rows(frame: pl.DataFrame, idx: np.ndarray, rows: pl.DataFrame) -> pl.DataFrame:
    if len(idx) == 0:
        return frame
    return frame.with_columns(
        # tags never change during a run (and list columns cannot be scattered)
        [
            frame[c].scatter(idx, rows[c])
            for c in rows.columns
            if c in frame.columns and c not in ("CZLX", "tags")
        ]
    )


def _phones(rng: np.random.Generator, n: int) -> pl.Series:
    prefix = rng.choice(np.array(["13", "15", "17", "18", "19"]), n)
    body = rng.integers(0, 10**9, n)
    return pl.Series(np.char.add(prefix.astype("U2"), np.char.zfill(body.astype("U9"), 9)))


def _register_rows(frame: pl.DataFrame, times: pl.Series) -> pl.DataFrame:
    if "CZLX" not in frame.columns:
        frame = frame.with_columns(pl.lit("I").alias("CZLX"))
    return frame.select(
        pl.col("id_number").alias("GMSFHM"),
        pl.col("name").alias("XM"),
        pl.col("sex").alias("XBDM"),
        pl.col("birth_date").dt.strftime("%Y%m%d").alias("CSRQ"),
        pl.col("ethnicity").alias("MZDM"),
        pl.when(pl.col("hukou")).then(pl.lit("1")).otherwise(pl.lit("2")).alias("HJLB"),
        pl.col("permit_no").alias("JZZBH"),
        pl.col("room_code").alias("FWBM"),
        pl.col("move_in").dt.strftime("%Y%m%d").alias("RZRQ"),
        pl.col("move_out").dt.strftime("%Y%m%d").alias("LKRQ"),
        pl.col("phone").alias("LXDH"),
        pl.col("CZLX"),
        times.alias("GXSJ"),
    )


def _write_register(
    ctx: FeedContext,
    d: date,
    i: int,
    changes: pl.DataFrame,
    protect: np.ndarray,
    linked: pl.Series,
    sel: np.ndarray | None = None,
) -> None:
    """The register's file of one date: rows ``sel`` of ``changes`` (all when None).

    Rows are in change-time order; they are built and written ``CHUNK_ROWS`` at
    a time (rows without a ``CZLX`` are inserts).
    """
    rng = ctx.rng(FEED, "ga_rkxx", i)
    name = f"ga_rkxx_{stamp(d)}.csv"
    changed_on = d - timedelta(days=1)
    n = changes.height if sel is None else len(sel)
    secs = random_seconds(rng, n)
    ids = changes["id_number"] if sel is None else changes["id_number"].gather(sel)
    order = (
        pl.DataFrame({"t": secs, "id": ids})
        .with_row_index("i")
        .sort("t", "id", "i")["i"]
        .to_numpy()
    )
    # membership tests once for the whole file (not once per chunk)
    kept = member(ids, protect)[order]
    unlinked_all = ~member(ids, linked)[order]
    del ids
    src = order if sel is None else sel[order]

    def rows_of(start: int, stop: int) -> pl.DataFrame:
        times = format_seconds(changed_on, secs[order[start:stop]])
        return _register_rows(changes[src[start:stop]], times).with_columns(
            pl.Series("_kept", kept[start:stop]), pl.Series("_unlinked", unlinked_all[start:stop])
        )

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        keep, unlinked = rows["_kept"].to_numpy(), rows["_unlinked"].to_numpy()
        rows = rows.drop("_kept", "_unlinked")
        plan = FilePlan(rows, rng, ctx.rates, key_column="GMSFHM", key_columns=["GMSFHM", "GXSJ"])
        plan.reserve(np.flatnonzero(keep))
        plan.reserve(np.flatnonzero((rows["CZLX"] == "D").to_numpy()))
        plan.bad_citizen_ids("GMSFHM", eligible=unlinked)
        plan.legacy_citizen_ids("GMSFHM")
        plan.fullwidth_digits("LXDH")
        plan.fullwidth_digits("GMSFHM")
        plan.padded_spaces("FWBM")
        plan.corrupt(
            "future_birth",
            "CSRQ",
            "birth_date_in_future",
            lambda s, r: dirt.today_bad(d, s.height, r),
            detail="birth date after delivery",
        )
        plan.corrupt(
            "move_out_before_in",
            "LKRQ",
            "move_out_before_move_in",
            lambda s, r: _before(s["RZRQ"], r),
            eligible=rows["RZRQ"].is_not_null().to_numpy() & (rows["CZLX"] != "D").to_numpy(),
            fill_empty=True,
            detail="LKRQ before RZRQ",
        )
        plan.old_community_codes("FWBM")
        plan.corrupt(
            "bad_date",
            "RZRQ",
            "bad_date",
            lambda s, r: dirt.bad_dates(s.height, r, compact=True),
            detail="unparseable",
        )
        plan.corrupt(
            "bad_enum",
            "XBDM",
            "bad_enum",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["3", "男", "M"]),
            detail="sex code outside GB/T 2261.1",
        )
        plan.truncate("GXSJ", eligible=unlinked)
        dirt.plant_damage(plan, "XM", eligible=unlinked)
        plan.duplicate_exact()
        plan.duplicate_key("LXDH", lambda s, r: _phones(r, s.height))
        return plan

    ctx.deliver_chunked(
        rows_of,
        plan_for,
        rng,
        feed=FEED,
        kind="ga_rkxx",
        day=d,
        name=name,
        fmt="csv",
        encoding="gbk",
        total=n,
    )
    if not ctx.rates.clean:
        ctx.manifest.add(
            "gbk_encoding",
            "file",
            FEED,
            file_kind="ga_rkxx",
            delivery_date=d,
            file=name,
            detail="GBK-encoded CSV",
        )


def _before(rzrq: pl.Series, rng: np.random.Generator) -> pl.Series:
    days = rng.integers(1, 400, len(rzrq))
    d = rzrq.str.to_date("%Y%m%d", strict=False).to_numpy()
    return pl.Series(d - days.astype("timedelta64[D]")).dt.strftime("%Y%m%d")


def _initial_collections(
    ctx: FeedContext,
    persons: pl.DataFrame,
    present: np.ndarray,
    rng: np.random.Generator,
    must: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Most residents have been collected once; a few by both channels (dirt).

    Returns the rows of ``persons`` collected, in file order (a person collected
    twice comes again at the end), and which of them are the second records.
    """
    ids = persons["id_number"].gather(present)
    keep = (rng.random(len(present)) < _GRID_SHARE_DAY1) | member(ids, must)
    collected = present[keep]
    if ctx.rates.clean:
        return collected, np.zeros(len(collected), dtype=bool)
    candidates = np.flatnonzero(~member(ids.filter(pl.Series(keep)), must))
    del ids
    twice = dirt.binomial_pick(rng, candidates, ctx.rates.rate("cross_channel_duplicate"))
    dup = collected[twice]
    if len(dup):
        ctx.manifest.add(
            "cross_channel_duplicate",
            "model",
            FEED,
            file_kind="grid_rkcj",
            delivery_date=ctx.start,
            file=f"grid_rkcj_{stamp(ctx.start)}.jsonl",
            keys=persons["id_number"].gather(dup).to_list(),
        )
    second = np.r_[np.zeros(len(collected), dtype=bool), np.ones(len(dup), dtype=bool)]
    return np.concatenate([collected, dup]), second


def _write_grid(
    ctx: FeedContext,
    d: date,
    i: int,
    persons: pl.DataFrame,
    name_conf: np.ndarray,
    phone_conf: np.ndarray,
    protect: np.ndarray,
    linked: pl.Series,
    sel: np.ndarray | None = None,
    second: np.ndarray | None = None,
    change: GeographyChange | None = None,
) -> None:
    """One day's collections of rows ``sel`` of ``persons`` (all when None).

    From a planted geography ``change`` on, grid codes are the ones in force (a few
    collected late with the old ones: generator/geography_change.py).

    ``second`` marks a person's second record (a cross-channel duplicate: the
    grid record, then the person's own declaration). Built and written
    ``CHUNK_ROWS`` records at a time, in collection-time order within each chunk.
    """
    rng = ctx.rng(FEED, "grid_rkcj", i)
    name = f"grid_rkcj_{stamp(d)}.jsonl"
    sel = np.arange(persons.height) if sel is None else sel
    second = np.zeros(len(sel), dtype=bool) if second is None else second
    ids = persons["id_number"].gather(sel)
    has_second = member(ids, persons["id_number"].gather(sel[second]))
    # membership tests once for the whole file (not once per chunk)
    kept = member(ids, protect) | second
    unlinked_all = ~member(ids, linked)
    del ids

    def rows_of(start: int, stop: int) -> pl.DataFrame:
        k = start // CHUNK_ROWS
        chunk_rng = rng if k == 0 else ctx.rng(FEED, "grid_rkcj", i, "rows", k)
        part = persons[sel[start:stop]].with_columns(
            pl.Series("_second", second[start:stop]),
            pl.Series("_has_second", has_second[start:stop]),
            pl.Series("_kept", kept[start:stop]),
            pl.Series("_unlinked", unlinked_all[start:stop]),
        )
        rows, conflict_name, conflict_phone = _grid_rows(
            part, chunk_rng, d, start, name_conf, phone_conf
        )
        rows = recode_codes(
            ctx,
            change,
            d,
            rows,
            feed=FEED,
            kind="grid_rkcj",
            key="record_id",
            grid="grid_code",
            building=pl.col("room_code").str.slice(0, 17),
            part=k,
        )
        for defect, column, keys in (
            ("name_conflict", "name", conflict_name),
            ("phone_conflict", "phone", conflict_phone),
        ):
            if len(keys):
                ctx.manifest.add(
                    defect,
                    "model",
                    FEED,
                    file_kind="grid_rkcj",
                    delivery_date=d,
                    file=name,
                    column=column,
                    keys=list(keys),
                )
        return rows

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        keep, unlinked = rows["_kept"].to_numpy(), rows["_unlinked"].to_numpy()
        rows = rows.drop("_second", "_kept", "_unlinked")
        plan = FilePlan(rows, rng, ctx.rates, key_column="record_id")
        plan.reserve(np.flatnonzero(keep))
        plan.corrupt(
            "bad_check_digit",
            "id_number",
            "invalid_citizen_id",
            lambda s, r: dirt.corrupt_citizen_id(s["id_number"], r),
            eligible=unlinked,
            detail="wrong check char",
        )
        plan.fullwidth_digits("phone")
        plan.padded_spaces("room_code")
        plan.old_community_codes("grid_code")
        plan.duplicate_exact()
        return plan

    ctx.deliver_chunked(
        rows_of,
        plan_for,
        rng,
        feed=FEED,
        kind="grid_rkcj",
        day=d,
        name=name,
        fmt="jsonl",
        total=len(sel),
    )


def _grid_rows(
    persons: pl.DataFrame,
    rng: np.random.Generator,
    d: date,
    offset: int,
    name_conf: np.ndarray,
    phone_conf: np.ndarray,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Collection records of some persons (time order) and the conflicts planted in them."""
    n = persons.height
    ids_ = persons["id_number"].to_numpy()
    second = persons["_second"].to_numpy()
    is_self = rng.random(n) < _SELF_SHARE
    id_series = persons["id_number"]
    is_self[persons["_has_second"].to_numpy()] = False
    is_self |= second
    names = persons["name"]
    alt_name = names.str.slice(0, names.str.len_chars() - 1) + pl.Series(rng.choice(_ALT_CHARS, n))
    conflict_name = member(id_series, name_conf) & ~second & (alt_name != names).to_numpy()
    conflict_phone = member(id_series, phone_conf) & ~second
    rows = pl.DataFrame(
        {
            "record_id": pl.Series(np.arange(offset, offset + n)).cast(pl.String).str.zfill(8),
        }
    ).select(
        (pl.lit("CJ" + stamp(d)) + pl.col("record_id")).alias("record_id"),
        pl.Series("channel", np.where(is_self, "self", "grid")),
        pl.when(pl.Series(is_self))
        .then(None)
        .otherwise(
            pl.lit("WG")
            + persons["grid_code"]
            + pl.Series(rng.integers(1, 6, n)).cast(pl.String).str.zfill(2)
        )
        .alias("collector_id"),
        random_times(rng, d - timedelta(days=1), n, "%Y-%m-%dT%H:%M:%S+08:00").alias(
            "collected_at"
        ),
        persons["id_number"],
        pl.when(pl.Series(conflict_name)).then(alt_name).otherwise(names).alias("name"),
        pl.when(pl.Series(conflict_phone))
        .then(_phones(rng, n))
        .otherwise(persons["phone"])
        .alias("phone"),
        persons["room_code"],
        persons["grid_code"],
        persons["lon"].round(6),
        persons["lat"].round(6),
        persons["employer_uscc"],
        persons["tags"].cast(pl.List(pl.String)),
        pl.lit(None, pl.String).alias("note"),
    )
    order = np.lexsort((np.arange(n), rows["collected_at"].to_numpy()))
    rows = rows.with_columns(pl.Series("_second", second), persons["_kept"], persons["_unlinked"])[
        order
    ]
    return rows, ids_[conflict_name], ids_[conflict_phone]
