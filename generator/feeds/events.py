"""Events feed: grid-event lifecycles (JSONL, some days hourly) and 12345 hotline tickets.

Lifecycles are simulated with one numpy column per step for all events at
once: reported → registered (or rejected) → dispatched (deadline) → handled →
verified [→ rework: dispatched → handled → verified] → closed [→ reopened →
dispatched → handled → verified → closed]. The file of date D carries the
state changes that happened on D-1; with dirt, some arrive days late, some
lines are out of order, and some incidents are reported twice (1-10 minutes
later, tens of metres away, named after the building nearest the second
report's own position: docs/EVENT_RULES.md).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from generator.dirt import FilePlan, binomial_pick, plant_damage
from generator.feeds._common import FeedContext, epoch_series, stamp, write_success
from generator.geography_change import GeographyChange, recode_lines, write_register

FEED = "events"
SJLZ_FIELDS = [
    "event_id",
    "seq",
    "state",
    "at",
    "category_code",
    "category_name",
    "channel",
    "grid_code",
    "building_code",
    "lon",
    "lat",
    "department",
    "deadline",
    "merged_into",
    "description",
]
# Share of hotline texts with a line break in them (clean data: a multi-line record).
MULTILINE_SHARE = 0.01
RX_COLUMNS = [
    "ticket_id",
    "received_at",
    "caller_phone",
    "content",
    "category",
    "address_text",
    "event_id",
    "satisfaction",
]
STATES = [
    "reported",
    "registered",
    "dispatched",
    "handled",
    "verified",
    "closed",
    "reopened",
    "rejected",
    "merged",
]
ISO = "%Y-%m-%dT%H:%M:%S+08:00"

# (code, name, deadline hours, department, sub-categories); GB/T 30428.2 first six
CATEGORIES = [
    (
        "01",
        "市容环境",
        24,
        "区城市管理和综合执法局",
        ["暴露垃圾", "积存垃圾渣土", "道路不洁", "乱堆物堆料"],
    ),
    ("02", "宣传广告", 48, "区城市管理和综合执法局", ["非法小广告", "违规户外广告"]),
    ("03", "施工管理", 72, "区住房和建设局", ["施工扰民", "工地扬尘", "违法建设"]),
    ("04", "突发事件", 12, "区应急管理局", ["路面塌陷", "自来水管破裂", "燃气泄漏"]),
    ("05", "街面秩序", 24, "区公安分局", ["占道经营", "无照经营游商", "机动车乱停放"]),
    ("06", "扩展事件", 48, "street", ["共享单车乱停放", "噪音扰民"]),
    ("07", "矛盾纠纷", 72, "street", ["邻里纠纷", "劳资纠纷", "租赁纠纷"]),
    ("08", "安全隐患", 24, "区应急管理局", ["消防通道堵塞", "电动车违规充电", "燃气安全"]),
    ("09", "出租屋隐患", 48, "区住房和建设局", ["群租", "出租屋消防隐患"]),
    ("10", "信访", 72, "区信访局", ["来信", "来访"]),
]
_CAT_WEIGHTS = np.array([0.22, 0.08, 0.08, 0.03, 0.2, 0.1, 0.08, 0.1, 0.08, 0.03])
CHANNELS = np.array(["patrol", "hotline", "app", "video"])
_CHANNEL_P = [0.55, 0.2, 0.15, 0.1]
# step columns of the lifecycle matrix
_STEPS = [
    "reported",
    "registered",
    "dispatched",
    "handled",
    "verified",
    "dispatched",
    "handled",
    "verified",
    "closed",
    "reopened",
    "dispatched",
    "handled",
    "verified",
    "closed",
]
_H = 3600.0


def write(ctx: FeedContext, events_per_day: float, change: GeographyChange | None = None) -> None:
    """Every day's event lifecycle lines and 12345 tickets; with a planted geography
    ``change``, its register file and the codes in force from its effective day."""
    rng = ctx.rng(FEED, "events")
    ev = _events(ctx, rng, events_per_day)
    lines = _lifecycle(ctx, rng, ev)
    hourly_days = {i for i in range(ctx.days) if i % 3 == 1}
    total = ctx.days
    for i, d in enumerate(ctx.dates):
        day_lines = lines.filter(pl.col("_day") == i)
        if change is not None:
            day_lines = recode_lines(ctx, change, d, day_lines)
        _write_sjlz(ctx, d, i, day_lines, hourly=i in hourly_days)
        ctx.tick("events", i + 1, total)
    _write_rx(ctx, ev, lines)
    if change is not None:
        write_register(ctx, change)
    skip: set[date] = set()
    if not ctx.rates.clean and ctx.days >= 2:
        last = ctx.dates[-1]
        skip.add(last)
        ctx.manifest.add(
            "missing_success",
            "file",
            FEED,
            delivery_date=last,
            detail="delivery folder without _SUCCESS: incomplete, not to be loaded",
        )
    write_success(ctx, FEED, skip=skip)


def _events(ctx: FeedContext, rng: np.random.Generator, per_day: float) -> pl.DataFrame:
    """Incidents reported in the day before each delivery date, plus planted duplicates."""
    w = ctx.world
    t_start = _epoch(ctx.start - timedelta(days=1))
    span = ctx.days * 86400.0
    n = int(rng.poisson(per_day * ctx.days))
    # busier by day, quieter at night
    hour = rng.choice(24, n, p=_hour_weights())
    t0 = t_start + rng.integers(0, ctx.days, n) * 86400.0 + hour * _H + rng.uniform(0, _H, n)
    cat = rng.choice(len(CATEGORIES), n, p=_CAT_WEIGHTS / _CAT_WEIGHTS.sum())
    b = w.buildings.select(
        "building_code", "grid_code", "lon", "lat", "address", "community_code12"
    ).sort("building_code")
    bi = rng.integers(0, b.height, n)
    frame = pl.DataFrame(
        {"t0": t0, "cat": cat, "bi": bi, "channel": rng.choice(CHANNELS, n, p=_CHANNEL_P)}
    )
    frame = frame.sort("t0")
    n_dup = 0
    if not ctx.rates.clean:
        src = binomial_pick(rng, np.arange(n), ctx.rates.rate("duplicate_incident"))
        n_dup = len(src)
        dup = frame[src].with_columns(
            (pl.col("t0") + pl.Series(rng.uniform(60, 600, n_dup))).alias("t0"),
            pl.Series("channel", rng.choice(CHANNELS, n_dup, p=_CHANNEL_P)),
        )
        frame = pl.concat(
            [
                frame.with_columns(pl.lit(-1, pl.Int64).alias("dup_of")),
                dup.with_columns(pl.Series("dup_of", src, pl.Int64)),
            ],
            how="vertical",
        )
    else:
        frame = frame.with_columns(pl.lit(-1, pl.Int64).alias("dup_of"))
    frame = frame.filter(pl.col("t0") < t_start + span)
    n = frame.height
    bsel = b[frame["bi"].to_numpy()]
    # a duplicate is the same place give or take tens of metres: 0.0002° is
    # ~22 m per axis (0.0004° put 7.5% of them beyond 100 m, not "tens");
    # its building is then the one its own position geocodes to (below)
    is_dup = (frame["dup_of"] >= 0).to_numpy()
    jitter = np.where(is_dup, 0.0002, 0.0001)
    streets = w.communities.select("community_code12", "street_code12").join(
        w.streets.select("street_code12", "street_name"), on="street_code12"
    )
    bsel = bsel.join(streets, on="community_code12", how="left", maintain_order="left")
    catv = frame["cat"].to_numpy()
    sub_idx = (rng.random(n) * np.array([len(c[4]) for c in CATEGORIES])[catv]).astype(int)
    lon = (bsel["lon"].to_numpy() + rng.normal(0, 1, n) * jitter).round(6)
    lat = (bsel["lat"].to_numpy() + rng.normal(0, 1, n) * jitter).round(6)
    bsel = _geocode_second_reports(b, bsel, lon, lat, is_dup)
    sub_names = np.array(
        [c[4][s] if s < len(c[4]) else c[4][0] for c in CATEGORIES for s in range(4)]
    ).reshape(len(CATEGORIES), 4)
    dept = np.array([c[3] for c in CATEGORIES])[catv]
    street_office = (bsel["street_name"].fill_null("宝安区") + "办事处").to_numpy()
    dept = np.where(dept == "street", street_office, dept)
    ids_ = pl.Series(np.arange(n)).cast(pl.String).str.zfill(7)
    report_day = epoch_series(frame["t0"].to_numpy())
    out = pl.DataFrame(
        {
            "event_id": "SJ" + report_day.dt.strftime("%Y%m%d") + ids_,
            "t0": frame["t0"],
            "cat": catv,
            "category_code": np.array([c[0] for c in CATEGORIES])[catv]
            + np.char.zfill((sub_idx + 1).astype(str), 2),
            "category_name": np.array([c[1] for c in CATEGORIES])[catv],
            "sub_name": sub_names[catv, sub_idx],
            "channel": frame["channel"],
            "grid_code": bsel["grid_code"],
            "building_code": bsel["building_code"],
            "lon": lon,
            "lat": lat,
            "address": bsel["address"],
            "department": dept,
            "deadline_h": np.array([c[2] for c in CATEGORIES], dtype=np.float64)[catv],
            "dup_of": frame["dup_of"],
        }
    )
    if n_dup:
        # dup_of pointed at the pre-concat row; map to the original's event id
        dup_rows = np.flatnonzero(is_dup)
        orig = out["event_id"].gather(np.maximum(frame["dup_of"].to_numpy(), 0))
        out = out.with_columns(
            pl.when(pl.Series(is_dup)).then(orig).otherwise(None).alias("dup_of_id")
        )
        ctx.manifest.add(
            "duplicate_incident",
            "model",
            FEED,
            keys=out["event_id"].gather(dup_rows).to_list(),
            detail=pl.Series(
                [f"same incident as {x}" for x in out["dup_of_id"].gather(dup_rows)],
                dtype=pl.String,
            ),
        )
    else:
        out = out.with_columns(pl.lit(None, pl.String).alias("dup_of_id"))
    return _coords_only(ctx, out, bsel)


# An app pin's GPS error: ~3 m per axis (0.00003 degrees).
_PIN_SIGMA_DEG = 0.00003


def _coords_only(ctx: FeedContext, out: pl.DataFrame, at: pl.DataFrame) -> pl.DataFrame:
    """Some reports (an app pin) name no building, only the position where the
    reporter stood at it: ``building_code`` empty, ``lon``/``lat`` the building's
    own position give or take a GPS error. Recorded as ``building_variant`` with
    the true building (docs/GOLDEN_RECORDS.md measures the match against it).
    Reports of a duplicate incident are left alone (their positions are the
    duplicate rule's evidence)."""
    if ctx.rates.clean or out.height == 0:
        return out
    rng = ctx.rng(FEED, "coords-only")
    in_pair = out["dup_of_id"].is_not_null() | out["event_id"].is_in(
        out["dup_of_id"].drop_nulls().implode()
    )
    pick = binomial_pick(
        rng, np.flatnonzero(~in_pair.to_numpy()), ctx.rates.rate("coords_only_location")
    )
    if not len(pick):
        return out
    k = len(pick)
    lon = out["lon"].to_numpy().copy()
    lat = out["lat"].to_numpy().copy()
    lon[pick] = (at["lon"].to_numpy()[pick] + rng.normal(0, _PIN_SIGMA_DEG, k)).round(6)
    lat[pick] = (at["lat"].to_numpy()[pick] + rng.normal(0, _PIN_SIGMA_DEG, k)).round(6)
    truth = out["building_code"].gather(pick)
    ctx.manifest.add(
        "building_variant",
        "model",
        FEED,
        keys=out["event_id"].gather(pick).to_list(),
        column="building_code",
        detail=pl.Series([f"true {c}" for c in truth], dtype=pl.String),
    )
    blank = np.zeros(out.height, dtype=bool)
    blank[pick] = True
    return out.with_columns(
        pl.when(pl.Series(blank))
        .then(None)
        .otherwise(pl.col("building_code"))
        .alias("building_code"),
        pl.Series("lon", lon),
        pl.Series("lat", lat),
    )


def _geocode_second_reports(
    buildings: pl.DataFrame,
    at: pl.DataFrame,
    lon: np.ndarray,
    lat: np.ndarray,
    second: np.ndarray,
) -> pl.DataFrame:
    """``at`` with each second report's building and address replaced by the building of
    its grid nearest to the position it reports.

    FEEDS.md gives every report its own building code and position, and DOMAIN.md says
    a duplicate is "within minutes and metres" of its incident, not at the same
    building: the second reporter (a caller's address text, an app pin, a camera) is
    geocoded to where its own position points, which in a dense grid (a building every
    ~20 m in an urban village) is often a neighbour of the first report's building.
    Only the building follows; grid, street and position stay the report's own.
    """
    rows = np.flatnonzero(second)
    if not len(rows):
        return at
    reports = pl.DataFrame(
        {
            "_row": rows,
            "grid_code": at["grid_code"].gather(rows),
            "_lon": lon[rows],
            "_lat": lat[rows],
        }
    )
    nearest = (
        reports.join(
            buildings.select("grid_code", "building_code", "address", "lon", "lat"),
            on="grid_code",
        )
        .with_columns(
            (
                ((pl.col("lon") - pl.col("_lon")) * np.cos(np.radians(22.6))) ** 2
                + (pl.col("lat") - pl.col("_lat")) ** 2
            ).alias("_d2")
        )
        .sort("_row", "_d2", "building_code")
        .group_by("_row", maintain_order=True)
        .first()
    )
    code = at["building_code"].to_numpy().copy()
    address = at["address"].to_numpy().copy()
    code[nearest["_row"].to_numpy()] = nearest["building_code"].to_numpy()
    address[nearest["_row"].to_numpy()] = nearest["address"].to_numpy()
    return at.with_columns(
        pl.Series("building_code", code, dtype=pl.String),
        pl.Series("address", address, dtype=pl.String),
    )


def _hour_weights() -> np.ndarray:
    w = np.array(
        [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 5, 5, 6, 6, 6, 5, 4, 3, 3, 2.5, 2, 1.5]
    )
    return w / w.sum()


def _epoch(d: date) -> float:
    return (datetime.combine(d, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()


def _lifecycle(ctx: FeedContext, rng: np.random.Generator, ev: pl.DataFrame) -> pl.DataFrame:
    """All state-change lines with their delivery day index (``_day``)."""
    n, s = ev.height, len(_STEPS)
    t = np.full((n, s), np.nan)
    dl = np.full((n, s), np.nan)
    state = np.array([STATES.index(x) for x in _STEPS])[None, :].repeat(n, axis=0)
    hours = ev["deadline_h"].to_numpy() * _H
    exp = rng.exponential

    def handling(scale: float) -> np.ndarray:
        # median ≈ 0.43 × deadline with sigma 0.8 → ~15% miss the deadline
        return hours * scale * np.exp(rng.normal(0, 0.8, n))

    t[:, 0] = ev["t0"].to_numpy()
    t[:, 1] = t[:, 0] + exp(0.5 * _H, n)
    rejected = rng.random(n) < 0.04
    state[rejected, 1] = STATES.index("rejected")
    t[:, 2] = t[:, 1] + exp(0.75 * _H, n)
    dl[:, 2] = t[:, 2] + hours
    t[:, 3] = t[:, 2] + handling(0.43)
    t[:, 4] = t[:, 3] + exp(3 * _H, n)
    rework = rng.random(n) < 0.06
    t[:, 5] = t[:, 4] + exp(0.5 * _H, n)
    dl[:, 5] = t[:, 5] + hours
    t[:, 6] = t[:, 5] + handling(0.3)
    t[:, 7] = t[:, 6] + exp(2 * _H, n)
    t[:, 8] = np.where(rework, t[:, 7], t[:, 4]) + exp(1 * _H, n)
    reopen = rng.random(n) < 0.02
    t[:, 9] = t[:, 8] + exp(48 * _H, n)
    t[:, 10] = t[:, 9] + exp(1 * _H, n)
    dl[:, 10] = t[:, 10] + hours
    t[:, 11] = t[:, 10] + handling(0.3)
    t[:, 12] = t[:, 11] + exp(2 * _H, n)
    t[:, 13] = t[:, 12] + exp(1 * _H, n)

    active = np.ones((n, s), dtype=bool)
    active[:, 5:8] = rework[:, None]
    active[:, 9:] = reopen[:, None]
    active[rejected, 2:] = False
    # duplicates that were caught: registered, then merged into the original
    merged = np.zeros(n, dtype=bool)
    dup = ev["dup_of_id"].is_not_null().to_numpy()
    merged[dup] = rng.random(dup.sum()) < 0.6
    merged &= ~rejected
    state[merged, 2] = STATES.index("merged")
    dl[merged, 2] = np.nan
    t[merged, 2] = t[merged, 1] + exp(1 * _H, merged.sum())
    active[merged, 3:] = False

    t_true = t.copy()
    written = t.copy()
    last_closed = np.where(reopen, 13, 8)
    # the state just before the last close: step 7 exists only with rework, so
    # without it the previous state is the first verification (step 4); the
    # unused step columns hold times of states that never happened, often days later
    before_closed = np.where(reopen, 12, np.where(rework, 7, 4))
    closed_ok = ~rejected & ~merged
    rows_idx = np.arange(n)
    if not ctx.rates.clean:
        before = binomial_pick(
            rng, np.flatnonzero(closed_ok), ctx.rates.rate("event_closed_before_reported")
        )
        written[before, last_closed[before]] = t[before, 0] - rng.uniform(_H, 48 * _H, len(before))
        equal = binomial_pick(
            rng,
            np.setdiff1d(np.flatnonzero(closed_ok), before),
            ctx.rates.rate("event_closed_equals_update"),
        )
        written[equal, last_closed[equal]] = written[equal, before_closed[equal]]
    else:
        before = equal = rows_idx[:0]

    end = _epoch(ctx.end - timedelta(days=1))  # states after this are not delivered yet
    visible = active & (t_true < end)
    seq = np.cumsum(active, axis=1)
    ei, si = np.nonzero(visible)
    day = ((t_true[ei, si] - _epoch(ctx.start - timedelta(days=1))) // 86400).astype(np.int64)
    day = np.maximum(day, 0)
    late = np.zeros(len(ei), dtype=bool)
    if not ctx.rates.clean:
        late_idx = binomial_pick(rng, np.flatnonzero(si > 0), ctx.rates.rate("event_late"))
        day[late_idx] += rng.integers(1, 4, len(late_idx))
        late[late_idx] = True
    keep = day < ctx.days
    ei, si, day, late = ei[keep], si[keep], day[keep], late[keep]
    lines = pl.DataFrame(
        {
            "_ev": ei,
            "_day": day,
            "_late": late,
            "seq": seq[ei, si].astype(np.int64),
            "state": np.array(STATES)[state[ei, si]],
            "_t": t_true[ei, si],
            "at": epoch_series(written[ei, si]).dt.strftime(ISO),
            "deadline": epoch_series(dl[ei, si]).dt.strftime(ISO),
        }
    )
    ev_cols = ev.select(
        "event_id",
        "category_code",
        "category_name",
        "channel",
        "grid_code",
        "building_code",
        "lon",
        "lat",
        "department",
        "sub_name",
        "address",
        "dup_of_id",
    ).with_row_index("_ev")
    lines = lines.with_columns(pl.col("_ev").cast(pl.UInt32)).join(ev_cols, on="_ev", how="left")
    lines = lines.with_columns(
        pl.when(pl.col("state") == "merged")
        .then(pl.col("dup_of_id"))
        .otherwise(None)
        .alias("merged_into"),
        (pl.col("sub_name") + pl.lit("：") + pl.col("address")).alias("description"),
    )
    ids_ = ev["event_id"]
    man = ctx.manifest
    closed_keys = lambda idx: ids_.gather(idx).to_list()  # noqa: E731
    man.add("event_closed_before_reported", "model", FEED, keys=closed_keys(before))
    man.add("event_closed_equals_update", "model", FEED, keys=closed_keys(equal))
    late_lines = lines.filter(pl.col("_late"))
    if late_lines.height:
        man.add(
            "event_late_state",
            "model",
            FEED,
            keys=late_lines["event_id"].to_list(),
            detail=pl.Series(
                [
                    f"seq {q} delivered {k} days late"
                    for q, k in zip(
                        late_lines["seq"],
                        late_lines["_day"]
                        - (
                            (late_lines["_t"] - _epoch(ctx.start - timedelta(days=1))) // 86400
                        ).cast(pl.Int64),
                        strict=True,
                    )
                ],
                dtype=pl.String,
            ),
        )
    return lines


def _write_sjlz(ctx: FeedContext, d: date, i: int, lines: pl.DataFrame, hourly: bool) -> None:
    rng = ctx.rng(FEED, "sjlz", i)
    n = lines.height
    # in order by time, except (dirt) some lines land at random places
    key = lines["_t"].to_numpy().copy()
    if not ctx.rates.clean and n:
        moved = binomial_pick(rng, np.arange(n), ctx.rates.rate("event_late"))
        key[moved] = rng.uniform(key.min(), key.max() + 1, len(moved))
    lines = lines.with_columns(pl.Series("_key", key)).sort("_key", "event_id", "seq")
    if hourly:
        hour = epoch_series(lines["_t"].to_numpy()).dt.hour().to_numpy()
        hour = np.where(lines["_late"].to_numpy(), rng.integers(0, 24, n), hour)
        groups = [
            (f"sjlz_{stamp(d)}_{h:02d}.jsonl", lines.filter(pl.Series(hour == h)))
            for h in range(24)
        ]
        groups = [g for g in groups if g[1].height]
    else:
        groups = [(f"sjlz_{stamp(d)}.jsonl", lines)]
    for name, part in groups:
        rows = part.select(SJLZ_FIELDS)
        if not ctx.rates.clean:
            _record_out_of_order(ctx, d, name, rows)
        plan = FilePlan(
            rows,
            ctx.rng(FEED, "sjlz-dirt", name),
            ctx.rates,
            key_column="event_id",
            key_columns=["event_id", "seq"],
        )
        plan.corrupt(
            "bad_enum",
            "channel",
            "bad_enum",
            lambda s, r: pl.Series(r.choice(np.array(["walk", "巡查", "phone"]), s.height)),
            detail="channel outside the code list",
        )
        plan.corrupt(
            "bad_date",
            "at",
            "bad_datetime",
            lambda s, r: pl.Series(
                r.choice(np.array(["2026-13-01T25:00:00+08:00", "昨天下午", "00:00"]), s.height)
            ),
            detail="unparseable timestamp",
        )
        plan.padded_spaces("grid_code")
        plan.duplicate_exact()
        ctx.deliver(plan, feed=FEED, kind="sjlz", day=d, name=name, fmt="jsonl")


def _record_out_of_order(ctx: FeedContext, d: date, name: str, rows: pl.DataFrame) -> None:
    bad = (
        rows.with_row_index("_pos")
        .group_by("event_id")
        .agg((pl.col("seq").diff().drop_nulls() < 0).any().alias("bad"))
        .filter(pl.col("bad"))
        .sort("event_id")
    )
    if bad.height:
        ctx.manifest.add(
            "event_out_of_order",
            "model",
            FEED,
            file_kind="sjlz",
            delivery_date=d,
            file=name,
            keys=bad["event_id"].to_list(),
        )


def _write_rx(ctx: FeedContext, ev: pl.DataFrame, lines: pl.DataFrame) -> None:
    """Hotline tickets: one per hotline event, plus consultations that never became events."""
    rng = ctx.rng(FEED, "rx12345")
    hot = ev.filter(pl.col("channel") == "hotline")
    n_extra = int(hot.height * 0.8)
    extra_t = (
        hot["t0"].to_numpy()[rng.integers(0, max(hot.height, 1), n_extra)]
        if hot.height
        else np.array([])
    )
    topics = np.array(
        ["咨询社保政策", "咨询居住证办理", "建议增设公交站", "求助开锁", "咨询入学积分"]
    )
    n = hot.height + len(extra_t)
    t = np.concatenate([hot["t0"].to_numpy() - rng.uniform(120, 1800, hot.height), extra_t])
    day = ((t - _epoch(ctx.start - timedelta(days=1))) // 86400).astype(np.int64)
    prefix = rng.choice(np.array(["13", "15", "17", "18", "19"]), n)
    phones = np.char.add(
        prefix.astype("U2"), np.char.zfill(rng.integers(0, 10**9, n).astype("U9"), 9)
    )
    sat = pl.Series(
        rng.choice(np.array(["1", "2", "3", "4", "5"]), n, p=[0.03, 0.04, 0.1, 0.33, 0.5])
    )
    sat = sat.zip_with(pl.Series(rng.random(n) < 0.6), pl.Series([None] * n, dtype=pl.String))
    tickets = (
        pl.DataFrame(
            {
                "_day": day,
                "_t": t,
                "received_at": epoch_series(t).dt.strftime("%Y-%m-%d %H:%M:%S"),
                "caller_phone": phones,
                "content": np.concatenate(
                    [
                        np.char.add("市民反映", hot["sub_name"].to_numpy().astype(str)),
                        rng.choice(topics, len(extra_t)),
                    ]
                ),
                "category": np.concatenate(
                    [hot["category_name"].to_numpy().astype(str), np.full(len(extra_t), "咨询")]
                ),
                "address_text": np.concatenate(
                    [hot["address"].to_numpy().astype(str), np.full(len(extra_t), "")]
                ),
                "event_id": pl.concat(
                    [hot["event_id"], pl.Series([None] * len(extra_t), dtype=pl.String)]
                ),
                "satisfaction": sat,
            }
        )
        .filter((pl.col("_day") >= 0) & (pl.col("_day") < ctx.days))
        .sort("_t")
    )
    del lines
    for i, d in enumerate(ctx.dates):
        part = tickets.filter(pl.col("_day") == i)
        seq = pl.Series(np.arange(part.height)).cast(pl.String).str.zfill(6)
        rows = part.select(
            (pl.lit("RX" + stamp(d)) + seq).alias("ticket_id"),
            "received_at",
            "caller_phone",
            "content",
            "category",
            pl.col("address_text").replace("", None),
            "event_id",
            "satisfaction",
        )
        # Call-takers type line breaks into some texts: quoted, a record over two lines.
        two_lines = ctx.rng(FEED, "rx-lines", i).random(rows.height) < MULTILINE_SHARE
        rows = rows.with_columns(
            pl.when(pl.Series(two_lines))
            .then(pl.col("content") + "\n补充：来电人要求回电")
            .otherwise(pl.col("content"))
            .alias("content")
        )
        plan = FilePlan(rows, ctx.rng(FEED, "rx-dirt", i), ctx.rates, key_column="ticket_id")
        plan.mixed_eol = i == 0  # the first day's file mixes CRLF and LF line endings
        plant_damage(plan, "content")
        plan.fullwidth_digits("caller_phone")
        plan.corrupt(
            "bad_enum",
            "satisfaction",
            "bad_enum",
            lambda s, r: pl.Series(r.choice(np.array(["6", "满意", "0"]), s.height)),
            detail="satisfaction outside 1-5",
        )
        plan.corrupt(
            "bad_date",
            "received_at",
            "bad_datetime",
            lambda s, r: pl.Series(r.choice(np.array(["2026-02-30 10:00:00", "上午"]), s.height)),
            detail="unparseable time",
        )
        plan.truncate("satisfaction")
        plan.duplicate_exact()
        ctx.deliver(
            plan, feed=FEED, kind="rx12345", day=d, name=f"rx12345_{stamp(d)}.csv", fmt="csv"
        )
