"""Housing feed: weekly building (CSV) and room (Parquet) snapshots, daily rental filings."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import FeedContext, member, random_times, stamp, write_success
from generator.geography_change import GeographyChange, recode_codes
from generator.planted_cross_checks import Cases

FEED = "housing"
LD_COLUMNS = [
    "building_code",
    "address",
    "community_code",
    "grid_code",
    "lon",
    "lat",
    "building_type",
    "floors",
    "year_built",
    "hazard_grade",
    "updated_at",
]
FW_COLUMNS = ["room_code", "building_code", "floor", "area_m2", "use", "is_rental", "updated_at"]
ZLBA_COLUMNS = [
    "filing_id",
    "room_code",
    "landlord_id_number",
    "tenant_id_number",
    "start_date",
    "end_date",
    "monthly_rent",
    "status",
    "op",
    "updated_at",
]
_NEW_RATE, _END_RATE, _CANCEL_RATE = 0.001, 0.0006, 0.0001


def snapshot_days(ctx: FeedContext) -> list[int]:
    """Weekly snapshots: the first delivery date and every Monday after it."""
    return [i for i, d in enumerate(ctx.dates) if i == 0 or d.weekday() == 0]


def write(
    ctx: FeedContext,
    cases: Cases,
    scale_filings: int,
    premises: set[str] | None = None,
    change: GeographyChange | None = None,
) -> None:
    """``premises``: buildings holding active entities; no row defect may lose them.
    ``change``: a planted geography change; building snapshots from its effective day
    on carry the codes in force (generator/geography_change.py)."""
    snaps = snapshot_days(ctx)
    filings = _initial_filings(ctx, cases, scale_filings)
    changes = _filing_changes(ctx, cases, filings)
    total = ctx.days + len(snaps)
    done = 0
    for i, d in enumerate(ctx.dates):
        if i in snaps:
            _write_ld(ctx, d, i, premises or set(), change)
            _write_fw(ctx, d, i)
            done += 1
        delivered = _write_zlba(ctx, d, i, changes[i])
        if delivered is not None and ctx.days >= 3 and not ctx.rates.clean:
            _correct_zlba(ctx, *delivered, d, ctx.dates[2])
        done += 1
        ctx.tick("housing", done, total)
    write_success(ctx, FEED)


# ---- buildings and rooms -----------------------------------------------------


def _write_ld(
    ctx: FeedContext, d: date, i: int, premises: set[str], change: GeographyChange | None
) -> None:
    rng = ctx.rng(FEED, "ld", i)
    b = ctx.world.buildings.sort("building_code")
    rows = b.select(
        "building_code",
        "address",
        pl.col("community_code12").alias("community_code"),
        "grid_code",
        pl.col("lon").round(6).cast(pl.String),
        pl.col("lat").round(6).cast(pl.String),
        "building_type",
        pl.col("floors").cast(pl.String),
        pl.col("year_built").cast(pl.String),
        "hazard_grade",
        random_times(rng, d - timedelta(days=1), b.height).alias("updated_at"),
    )
    rows = recode_codes(
        ctx,
        change,
        d,
        rows,
        feed=FEED,
        kind="ld",
        key="building_code",
        grid="grid_code",
        community="community_code",
        building=pl.col("building_code"),
    )
    plan = FilePlan(rows, rng, ctx.rates, key_column="building_code")
    plan.old_community_codes()
    plan.padded_spaces("building_code")
    plan.fullwidth_digits("grid_code")
    plan.corrupt(
        "bad_enum",
        "building_type",
        "bad_enum",
        lambda s, r: dirt.bad_enum_values(s.height, r, ["城中村", "villa", "shop"]),
        detail="type outside the code list",
    )
    # a lost building would turn its entities into "premises without a building" findings
    plan.truncate("updated_at", eligible=~member(rows["building_code"], premises))
    plan.duplicate_exact()
    plan.duplicate_key(
        "hazard_grade",
        lambda s, r: s["hazard_grade"].replace_strict(
            {"A": "B", "B": "C", "C": "D", "D": "C"}, default="B"
        ),
    )
    ctx.deliver(plan, feed=FEED, kind="ld", day=d, name=f"ld_{stamp(d)}.csv", fmt="csv")


def _write_fw(ctx: FeedContext, d: date, i: int) -> None:
    rng = ctx.rng(FEED, "fw", i)
    r = ctx.world.rooms.sort("room_code")
    rows = r.select(
        "room_code",
        "building_code",
        pl.col("floor").cast(pl.Int32),
        pl.col("area_m2").round(1).cast(pl.Float64),
        "use",
        pl.col("is_rental").cast(pl.Boolean),
        random_times(rng, d - timedelta(days=1), r.height).alias("updated_at"),
    )

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        plan = FilePlan(rows, rng, ctx.rates, key_column="room_code")
        plan.padded_spaces("room_code")
        plan.corrupt(
            "bad_enum",
            "use",
            "bad_enum",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["住宅", "office", "other"]),
            detail="use outside the code list",
        )
        plan.duplicate_exact()
        return plan

    ctx.deliver_chunked(
        rows,
        plan_for,
        rng,
        feed=FEED,
        kind="fw",
        day=d,
        name=f"fw_{stamp(d)}.parquet",
        fmt="parquet",
    )


# ---- rental filings ----------------------------------------------------------


def _rents(rng: np.random.Generator, btype: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Monthly rent in yuan, rounded to 50: urban-village rooms cheap, shops dear."""
    n = len(btype)
    cheap = np.isin(btype, ["urban_village", "dormitory"])
    commercial = np.isin(use, ["commercial", "industrial", "mixed"])
    lo = np.where(commercial, 2500, np.where(cheap, 800, 2000))
    hi = np.where(commercial, 8000, np.where(cheap, 2500, 6000))
    u = rng.beta(2.0, 3.0, n)  # skewed towards the low end of each band
    return (np.round((lo + u * (hi - lo)) / 50) * 50).astype(np.int64)


def _initial_filings(ctx: FeedContext, cases: Cases, target: int) -> pl.DataFrame:
    """One active filing per rented room with a migrant tenant, up to the scale's target."""
    rng = ctx.rng(FEED, "filings")
    w = ctx.world
    ghosts = cases.ghosts["id_number"].implode()
    persons = cases.persons.select("id_number", "room_code", "hukou").filter(
        ~pl.col("hukou") & ~pl.col("id_number").is_in(ghosts)
    )
    shuffled = persons.select("id_number", "room_code")[rng.permutation(persons.height)]
    del persons
    tenants = shuffled.unique("room_code", keep="first", maintain_order=True)
    rooms = (
        w.rooms.filter(pl.col("is_rental"))
        .join(w.buildings.select("building_code", "building_type"), on="building_code")
        .join(tenants.rename({"id_number": "tenant_id_number"}), on="room_code")
        .sort("room_code")
    )
    k = min(target, rooms.height)
    rooms = rooms[np.sort(rng.choice(rooms.height, k, replace=False))]
    landlords = cases.persons.select("id_number", "hukou").filter(
        pl.col("hukou") & ~pl.col("id_number").is_in(ghosts)
    )["id_number"]
    if landlords.len() == 0:
        landlords = cases.persons["id_number"]
    start_days = rng.integers(0, 700, k)
    start = np.datetime64(ctx.start) - start_days.astype("timedelta64[D]")
    years = np.where(rng.random(k) < 0.7, 1, 2) + (start_days // 365)
    end = (start.astype("datetime64[M]") + (12 * years).astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) - np.timedelta64(1, "D")
    return pl.DataFrame(
        {
            "filing_id": pl.Series(np.arange(k)).cast(pl.String).str.zfill(10),
            "room_code": rooms["room_code"],
            "landlord_id_number": landlords.gather(rng.integers(0, landlords.len(), k)),
            "tenant_id_number": rooms["tenant_id_number"],
            "start_date": pl.Series(start),
            "end_date": pl.Series(end),
            "monthly_rent": _rents(rng, rooms["building_type"].to_numpy(), rooms["use"].to_numpy()),
            "status": "active",
        }
    ).with_columns(("ZL" + pl.col("filing_id")).alias("filing_id"))


def _filing_changes(ctx: FeedContext, cases: Cases, filings: pl.DataFrame) -> list[pl.DataFrame]:
    """Per delivery day: initial load, then new filings, terminations, cancellations, deletes."""
    out = [filings.with_columns(pl.lit("I").alias("op"))]
    state = filings
    rng = ctx.rng(FEED, "churn")
    n0 = filings.height
    # new filings reuse rooms and tenants of existing ones, with new ids and dates
    next_id = n0
    for i in range(1, ctx.days):
        on = ctx.dates[i] - timedelta(days=1)
        active = np.flatnonzero((state["status"] == "active").to_numpy())
        ended = dirt.binomial_pick(rng, active, _END_RATE)
        cancelled = dirt.binomial_pick(rng, dirt.without(active, ended), _CANCEL_RATE)
        deleted = dirt.binomial_pick(
            rng,
            dirt.without(active, np.union1d(ended, cancelled)),
            ctx.rates.rate("upstream_delete") * 5,
        )
        k_new = int(rng.binomial(n0, _NEW_RATE))
        src = rng.integers(0, n0, k_new)
        new = filings[src].with_columns(
            pl.Series(
                "filing_id", [f"ZL{j:010d}" for j in range(next_id, next_id + k_new)], pl.String
            ),
            pl.lit(on).alias("start_date"),
            pl.lit(on + timedelta(days=365)).alias("end_date"),
            pl.lit("active").alias("status"),
        )
        next_id += k_new
        upd_end = state[ended].with_columns(
            pl.lit("terminated").alias("status"), pl.lit(on).alias("end_date")
        )
        upd_cancel = state[cancelled].with_columns(pl.lit("cancelled").alias("status"))
        state = state.with_columns(
            state["status"].scatter(ended, "terminated").scatter(cancelled, "cancelled"),
            state["end_date"].scatter(ended, on),
        )
        dele = state[deleted]
        state = state.with_columns(state["status"].scatter(deleted, "cancelled"))
        if dele.height:
            ctx.manifest.add(
                "upstream_delete",
                "model",
                FEED,
                file_kind="zlba",
                delivery_date=ctx.dates[i],
                file=f"zlba_{stamp(ctx.dates[i])}.csv",
                keys=dele["filing_id"].to_list(),
            )
        out.append(
            pl.concat(
                [
                    new.with_columns(pl.lit("I").alias("op")),
                    upd_end.with_columns(pl.lit("U").alias("op")),
                    upd_cancel.with_columns(pl.lit("U").alias("op")),
                    dele.with_columns(pl.lit("D").alias("op")),
                ],
                how="vertical",
            )
        )
        state = pl.concat([state, new], how="vertical")
    del cases
    return out


def _zlba_rows(changes: pl.DataFrame, rng: np.random.Generator, d: date) -> pl.DataFrame:
    return changes.select(
        "filing_id",
        "room_code",
        "landlord_id_number",
        "tenant_id_number",
        pl.col("start_date").dt.strftime("%Y-%m-%d"),
        pl.col("end_date").dt.strftime("%Y-%m-%d"),
        pl.col("monthly_rent").cast(pl.String),
        "status",
        "op",
        random_times(rng, d - timedelta(days=1), changes.height).alias("updated_at"),
    ).sort("updated_at", "filing_id")


def _write_zlba(
    ctx: FeedContext, d: date, i: int, changes: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    rng = ctx.rng(FEED, "zlba", i)
    rows = _zlba_rows(changes, rng, d)

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        plan = FilePlan(
            rows, rng, ctx.rates, key_column="filing_id", key_columns=["filing_id", "updated_at"]
        )
        plan.reserve(np.flatnonzero((rows["op"] == "D").to_numpy()))
        plan.bad_citizen_ids("tenant_id_number")
        plan.legacy_citizen_ids("tenant_id_number")
        plan.fullwidth_digits("landlord_id_number")
        plan.padded_spaces("room_code")
        plan.old_community_codes("room_code")
        plan.corrupt(
            "end_before_start",
            "end_date",
            "end_before_start",
            lambda s, r: _days_before(s["start_date"], r),
            detail="end before start",
        )
        plan.corrupt(
            "bad_date",
            "start_date",
            "bad_date",
            lambda s, r: dirt.bad_dates(s.height, r, compact=False),
            detail="unparseable",
        )
        plan.corrupt(
            "bad_enum",
            "status",
            "bad_enum",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["valid", "有效", "expired"]),
            detail="status outside the code list",
        )
        plan.truncate("updated_at")
        plan.duplicate_exact()
        plan.duplicate_key(
            "monthly_rent",
            lambda s, r: (
                s["monthly_rent"].cast(pl.Int64) + 50 * (1 + pl.Series(r.integers(0, 10, s.height)))
            ).cast(pl.String),
        )
        return plan

    if i == 1:
        # the day whose file is corrected later: keep its rows and defects (a small file)
        return ctx.deliver(
            plan_for(rows, rng),
            feed=FEED,
            kind="zlba",
            day=d,
            name=f"zlba_{stamp(d)}.csv",
            fmt="csv",
        )
    ctx.deliver_chunked(
        rows, plan_for, rng, feed=FEED, kind="zlba", day=d, name=f"zlba_{stamp(d)}.csv", fmt="csv"
    )
    return None


def _days_before(dates: pl.Series, rng: np.random.Generator) -> pl.Series:
    d = dates.str.to_date("%Y-%m-%d", strict=False).to_numpy()
    back = rng.integers(1, 200, len(d)).astype("timedelta64[D]")
    return pl.Series(d - back).dt.strftime("%Y-%m-%d")


def _correct_zlba(
    ctx: FeedContext, rows: pl.DataFrame, defects: pl.DataFrame, first: date, later: date
) -> None:
    """Re-deliver a day's filings with corrected rents (same name, later folder)."""
    rng = ctx.rng(FEED, "zlba-correction")
    clean = np.setdiff1d(np.arange(rows.height), defects["row_number"].to_numpy() - 1)
    rent_ok = rows["monthly_rent"].str.contains(r"^\d+$").fill_null(False).to_numpy()
    # rows sharing a key with a planted row (e.g. the original of a copy) stay untouched
    rent_ok &= ~rows["filing_id"].is_in(defects["key"].drop_nulls().to_list()).to_numpy()
    clean = clean[rent_ok[clean]]
    if len(clean) == 0:
        return
    fix = np.sort(rng.choice(clean, max(1, len(clean) // 10), replace=False))
    new_rent = (rows["monthly_rent"].gather(fix).cast(pl.Int64) + 100).cast(pl.String)
    corrected = rows.with_columns(rows["monthly_rent"].scatter(fix, new_rent))
    ctx.redeliver(
        corrected,
        defects,
        feed=FEED,
        kind="zlba",
        first=first,
        day=later,
        name=f"zlba_{stamp(first)}.csv",
        fmt="csv",
        changed=len(fix),
    )
