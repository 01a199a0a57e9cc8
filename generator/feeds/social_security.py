"""Social-security feed: insured persons (daily changes), monthly contributions, assistance.

Contributions of month M are delivered on the 5th of M+1 (or on the first
delivery date when the range has no 5th); assistance payments on the 10th
(or the first date). Arrears concentrate in a few employers.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import (
    ChunkSink,
    FeedContext,
    member,
    random_times,
    stamp,
    write_success,
)
from generator.geography_change import GeographyChange, recode_codes
from generator.planted_cross_checks import Cases

FEED = "social_security"
CBRY_COLUMNS = [
    "id_number",
    "name",
    "employer_uscc",
    "insurance_types",
    "status",
    "start_month",
    "op",
    "updated_at",
]
JFMX_COLUMNS = [
    "id_number",
    "employer_uscc",
    "period",
    "insurance_type",
    "base_yuan",
    "amount_yuan",
    "paid",
    "paid_date",
]
JZFF_COLUMNS = [
    "payment_id",
    "id_number",
    "household_id",
    "program",
    "period",
    "amount_yuan",
    "community_code",
    "approved_at",
]
TYPES = ["pension", "medical", "unemployment", "injury", "maternity"]
# employer + employee shares, Shenzhen-like
RATES = {
    "pension": 0.24,
    "medical": 0.072,
    "unemployment": 0.012,
    "injury": 0.004,
    "maternity": 0.005,
}
BASE_MIN, BASE_MAX = 2360.0, 30000.0
DIBAO_MONTHLY, TEKUN_MONTHLY = 1250.0, 2000.0
_NEW_RATE, _SUSPEND_RATE, _END_RATE = 0.0005, 0.0002, 0.0003
_ARREARS_EMPLOYERS = 0.04


def write(
    ctx: FeedContext,
    cases: Cases,
    insured: pl.DataFrame,
    change: GeographyChange | None = None,
) -> None:
    """Write the feed for every date; ``insured`` comes from :func:`plan_insured`;
    ``change``: a planted geography change (assistance payments from its effective day
    on carry the community codes in force, generator/geography_change.py)."""
    changes = _cbry_changes(ctx, insured)
    contrib_days = [i for i, d in enumerate(ctx.dates) if d.day == 5] or [0]
    assist_days = [i for i, d in enumerate(ctx.dates) if d.day == 10] or [0]
    total = ctx.days + len(contrib_days) + len(assist_days)
    done = 0
    for i, d in enumerate(ctx.dates):
        written = _write_cbry(ctx, d, i, changes[i], cases)
        if i == 1 and ctx.days >= 3 and not ctx.rates.clean:
            ctx.copy_delivery(
                feed=FEED,
                kind="cbry",
                first=d,
                day=ctx.dates[2],
                name=f"cbry_{stamp(d)}.csv",
                rows=written,
            )
        done += 1
        if i in contrib_days:
            _write_jfmx(ctx, d, i, insured, cases)
            done += 1
        if i in assist_days:
            _write_jzff(ctx, d, i, cases, change)
            done += 1
        ctx.tick("social_security", done, total)
    write_success(ctx, FEED)


def plan_insured(ctx: FeedContext, cases: Cases, target: int) -> pl.DataFrame:
    """Most employed persons (and the planted ghosts and high-base recipients)."""
    rng = ctx.rng(FEED, "insured")
    employed = cases.persons.filter(
        pl.col("employer_uscc").is_not_null()
        & ~pl.col("id_number").is_in(cases.high_base["id_number"].implode())
        & ~pl.col("id_number").is_in(cases.ghosts["id_number"].implode())
    ).select("id_number", "name", "employer_uscc")
    k = min(target, employed.height)
    chosen = employed[np.sort(rng.choice(employed.height, k, replace=False))]
    parts = [chosen, cases.ghosts.select("id_number", "name", "employer_uscc"), cases.high_base]
    frame = pl.concat(parts, how="vertical").unique("id_number", keep="first", maintain_order=True)
    n = frame.height
    full = rng.random(n) < 0.85
    months_back = rng.integers(1, 96, n)
    start = np.datetime64(ctx.start, "M") - months_back.astype("timedelta64[M]")
    # employer-level pay level, with person noise; high-base cases get 18k-30k
    employers = frame["employer_uscc"].unique().sort()
    level = pl.DataFrame(
        {
            "employer_uscc": employers,
            "_level": np.exp(rng.normal(np.log(6500), 0.45, employers.len())),
            "_arrears": rng.random(employers.len()) < _ARREARS_EMPLOYERS,
        }
    )
    frame = frame.join(level, on="employer_uscc", how="left")
    base = frame["_level"].to_numpy() * np.exp(rng.normal(0, 0.3, n))
    hb = member(frame["id_number"], cases.high_base["id_number"])
    base[hb] = rng.uniform(18000, BASE_MAX, hb.sum())
    base = np.round(np.clip(base, BASE_MIN, BASE_MAX), 0)
    return frame.with_columns(
        pl.Series("insurance_types", np.where(full, "|".join(TYPES), "pension|medical|injury")),
        pl.Series("start_month", start.astype("datetime64[D]")).dt.strftime("%Y%m"),
        pl.lit("active").alias("status"),
        pl.Series("base_yuan", base),
    )


def _cbry_changes(ctx: FeedContext, insured: pl.DataFrame) -> list[pl.DataFrame]:
    rng = ctx.rng(FEED, "churn")
    n = insured.height
    joins = np.zeros(n, dtype=np.int64)
    if ctx.days > 1:
        late = rng.random(n) < _NEW_RATE * (ctx.days - 1)
        joins[late] = rng.integers(1, ctx.days, late.sum())
    out = [insured.filter(pl.Series(joins == 0)).with_columns(pl.lit("I").alias("op"))]
    status = np.full(n, "active", dtype=object)
    for i in range(1, ctx.days):
        first_of = np.datetime64(ctx.dates[i], "M").astype(str).replace("-", "")
        new = insured.filter(pl.Series(joins == i)).with_columns(
            pl.lit(first_of).alias("start_month"), pl.lit("I").alias("op")
        )
        live = np.flatnonzero((joins < i) & (status == "active"))
        susp = dirt.binomial_pick(rng, live, _SUSPEND_RATE)
        end = dirt.binomial_pick(rng, dirt.without(live, susp), _END_RATE)
        status[susp], status[end] = "suspended", "terminated"
        upd = insured[np.concatenate([susp, end])].with_columns(
            pl.Series("status", np.concatenate([status[susp], status[end]]).astype(str)),
            pl.lit("U").alias("op"),
        )
        out.append(pl.concat([new, upd], how="vertical"))
    return out


def _write_cbry(ctx: FeedContext, d: date, i: int, changes: pl.DataFrame, cases: Cases) -> int:
    rng = ctx.rng(FEED, "cbry", i)
    rows = changes.select(
        "id_number",
        "name",
        "employer_uscc",
        "insurance_types",
        "status",
        "start_month",
        "op",
        random_times(rng, d - timedelta(days=1), changes.height).alias("updated_at"),
    ).sort("updated_at", "id_number")

    def plan_for(rows: pl.DataFrame, rng: np.random.Generator) -> FilePlan:
        plan = FilePlan(
            rows, rng, ctx.rates, key_column="id_number", key_columns=["id_number", "updated_at"]
        )
        protect = np.concatenate([cases.case_persons, cases.ghosts["id_number"].to_numpy()])
        plan.reserve(np.flatnonzero(member(rows["id_number"], protect)))
        plan.bad_citizen_ids("id_number")
        plan.corrupt(
            "bad_check_digit",
            "employer_uscc",
            "invalid_uscc",
            lambda s, r: dirt.corrupt_uscc(s["employer_uscc"], r),
            detail="wrong check char",
            identity="entity_variant",
        )
        # the employer's pre-2015 organisation code instead of its USCC
        plan.corrupt(
            "legacy_org_code",
            "employer_uscc",
            "invalid_uscc",
            lambda s, r: dirt.org_code_only(s["employer_uscc"]),
            detail="organisation code only",
            eligible=_registered(rows),
            identity="entity_variant",
        )
        plan.fullwidth_digits("id_number")
        plan.padded_spaces("employer_uscc")
        plan.corrupt(
            "bad_enum",
            "status",
            "bad_enum",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["正常", "normal", "stopped"]),
            detail="status outside the code list",
        )
        plan.corrupt(
            "bad_date",
            "start_month",
            "bad_month",
            lambda s, r: dirt.bad_enum_values(s.height, r, ["202613", "2023-5", "000000"]),
            detail="unparseable month",
        )
        plan.truncate("updated_at")
        plan.duplicate_exact()
        plan.duplicate_key(
            "insurance_types",
            lambda s, r: s["insurance_types"].replace_strict(
                {"|".join(TYPES): "pension|medical|injury"}, default="|".join(TYPES)
            ),
        )
        return plan

    return ctx.deliver_chunked(
        rows, plan_for, rng, feed=FEED, kind="cbry", day=d, name=f"cbry_{stamp(d)}.csv", fmt="csv"
    )


def _registered(rows: pl.DataFrame) -> np.ndarray:
    """Rows whose employer is registered by market regulation or civil affairs (91-93,
    51-53 codes): an organ or public institution keeps its USCC on every form."""
    return rows["employer_uscc"].str.slice(0, 1).is_in(["9", "5"]).fill_null(False).to_numpy()


# Contributions are built, planted and written this many insured persons at a time.
JFMX_CHUNK_PERSONS = 60_000


def _write_jfmx(ctx: FeedContext, d: date, i: int, insured: pl.DataFrame, cases: Cases) -> None:
    """One month of contributions, in chunks of persons (bounded memory).

    With dirt, the month's file is delivered again a little later with some
    arrears settled (a corrected re-delivery); both files are written in the
    same pass over the chunks.
    """
    period_m = np.datetime64(d, "M") - np.timedelta64(1, "M")
    period = str(period_m).replace("-", "")
    name = f"jfmx_{period}.parquet"
    later = [x for x in ctx.dates if x > d]
    correct_on = later[min(1, len(later) - 1)] if later and not ctx.rates.clean else None
    persons = (
        insured.filter(pl.col("start_month") <= period)
        .select("id_number", "employer_uscc", "insurance_types", "base_yuan", "_arrears")
        .sort("id_number")
    )
    protect = pl.Series(
        np.concatenate([cases.case_persons, cases.ghosts["id_number"].to_numpy()]),
        dtype=pl.String,
    )
    first = ChunkSink(ctx.folder(FEED, d) / name, fmt="parquet")
    second = (
        ChunkSink(ctx.folder(FEED, correct_on) / name, fmt="parquet")
        if correct_on is not None
        else None
    )
    written = changed = 0
    all_defects: list[pl.DataFrame] = []
    try:
        for k, start in enumerate(range(0, max(persons.height, 1), JFMX_CHUNK_PERSONS)):
            rng = ctx.rng(FEED, "jfmx", i) if k == 0 else ctx.rng(FEED, "jfmx", i, "chunk", k)
            chunk = persons.slice(start, JFMX_CHUNK_PERSONS)
            rows = _jfmx_rows(chunk, period, period_m, rng)
            plan = FilePlan(
                rows,
                rng,
                ctx.rates,
                key_column="id_number",
                key_columns=["id_number", "employer_uscc", "period", "insurance_type"],
            )
            plan.reserve(np.flatnonzero(member(rows["id_number"], protect)))
            plan.bad_citizen_ids("id_number")
            plan.padded_spaces("employer_uscc")
            plan.duplicate_exact()
            out, defects = plan.finalize()
            first.write(out)
            if second is not None:
                fix_rng = (
                    ctx.rng(FEED, "jfmx-correction", d)
                    if k == 0
                    else ctx.rng(FEED, "jfmx-correction", d, k)
                )
                corrected, n_fixed = _settle_arrears(out.drop("_trunc"), defects, d, fix_rng)
                second.write(corrected)
                changed += n_fixed
            all_defects.append(defects.with_columns(pl.col("row_number") + written))
            written += out.height
    finally:
        first.close()
        if second is not None:
            second.close()
    defects = pl.concat(all_defects, how="vertical")
    ctx.manifest.add_file_rows(defects, feed=FEED, file_kind="jfmx", delivery_date=d, file=name)
    ctx.record(FEED, "jfmx", d, name, written)
    if correct_on is None:
        return
    if changed == 0:  # nothing to settle: no corrected file after all
        (ctx.folder(FEED, correct_on) / name).unlink()
        return
    ctx.manifest.add_file_rows(
        defects, feed=FEED, file_kind="jfmx", delivery_date=correct_on, file=name
    )
    ctx.manifest.add(
        "corrected_redelivery",
        "file",
        FEED,
        file_kind="jfmx",
        delivery_date=correct_on,
        file=name,
        detail=f"corrects the {d} delivery: {changed} rows changed",
    )
    ctx.record(FEED, "jfmx", correct_on, name, written)


def _jfmx_rows(
    persons: pl.DataFrame, period: str, period_m: np.datetime64, rng: np.random.Generator
) -> pl.DataFrame:
    """Contribution rows (one per person and insurance type) of a chunk of persons."""
    long = (
        persons.with_columns(pl.col("insurance_types").str.split("|").alias("insurance_type"))
        .explode("insurance_type")
        .sort("id_number", "insurance_type")
    )
    n = long.height
    # arrears: most rows of arrears employers unpaid, a sprinkle elsewhere
    unpaid = np.where(long["_arrears"].to_numpy(), rng.random(n) < 0.8, rng.random(n) < 0.005)
    paid_day = rng.integers(8, 28, n).astype("timedelta64[D]")
    paid_date = pl.Series(period_m.astype("datetime64[D]") + paid_day).dt.strftime("%Y-%m-%d")
    paid = pl.Series("paid", ~unpaid)
    return long.select(
        "id_number",
        "employer_uscc",
        pl.lit(period, pl.String).alias("period"),
        "insurance_type",
        "base_yuan",
        (
            pl.col("base_yuan")
            * pl.col("insurance_type").replace_strict(RATES, return_dtype=pl.Float64)
        )
        .round(2)
        .alias("amount_yuan"),
        paid,
        pl.when(paid).then(paid_date).otherwise(None).alias("paid_date"),
    )


def _settle_arrears(
    rows: pl.DataFrame, defects: pl.DataFrame, first: date, rng: np.random.Generator
) -> tuple[pl.DataFrame, int]:
    """A third of the unpaid rows paid since the first delivery (planted rows untouched)."""
    unpaid = ~rows["paid"].to_numpy()
    unpaid &= ~rows["id_number"].is_in(defects["key"].drop_nulls().implode()).to_numpy()
    unpaid[defects["row_number"].to_numpy() - 1] = False
    idx = np.flatnonzero(unpaid)
    if len(idx) == 0:
        return rows, 0
    fix = np.sort(rng.choice(idx, max(1, len(idx) // 3), replace=False))
    settled = pl.Series([str(first - timedelta(days=1))] * len(fix), dtype=pl.String)
    return (
        rows.with_columns(rows["paid"].scatter(fix, True), rows["paid_date"].scatter(fix, settled)),
        len(fix),
    )


def _write_jzff(
    ctx: FeedContext, d: date, i: int, cases: Cases, change: GeographyChange | None = None
) -> None:
    rng = ctx.rng(FEED, "jzff", i)
    period = d.strftime("%Y%m")
    p = cases.persons
    dibao = p.filter(pl.col("tags").list.contains("dibao")).with_columns(
        pl.lit("dibao").alias("program"), pl.lit(DIBAO_MONTHLY).alias("amount_yuan")
    )
    tekun = p.filter(pl.col("tags").list.contains("tekun")).with_columns(
        pl.lit("tekun").alias("program"), pl.lit(TEKUN_MONTHLY).alias("amount_yuan")
    )
    regular = pl.concat([dibao, tekun], how="vertical")
    # temporary assistance: occasional, to recipients and to a few others in hardship
    pick = np.flatnonzero(rng.random(p.height) < 0.0003)
    temp = (
        p[pick]
        .with_columns(
            pl.lit("temporary").alias("program"),
            pl.Series("amount_yuan", np.round(rng.uniform(500, 5000, len(pick)), -2)),
        )
        # the insured without a residence record live elsewhere: no assistance here
        .filter(~pl.col("id_number").is_in(cases.ghosts["id_number"].implode()))
    )
    pay = pl.concat([regular, temp], how="vertical").sort("program", "id_number")
    n = pay.height
    month_start = d.replace(day=1) - timedelta(days=1)
    rows = pl.DataFrame(
        {
            "payment_id": pl.Series(np.arange(n)).cast(pl.String).str.zfill(7),
        }
    ).select(
        (pl.lit("JZ" + period) + pl.col("payment_id")).alias("payment_id"),
        pay["id_number"],
        (pl.lit("HH") + pay["room_code"]).alias("household_id"),
        pay["program"],
        pl.lit(period).alias("period"),
        pay["amount_yuan"].cast(pl.Int64).cast(pl.String).alias("amount_yuan"),
        pay["room_code"].str.slice(0, 12).alias("community_code"),
        random_times(rng, month_start.replace(day=min(20, month_start.day)), n).alias(
            "approved_at"
        ),
    )
    rows = recode_codes(
        ctx,
        change,
        d,
        rows,
        feed=FEED,
        kind="jzff",
        key="payment_id",
        community="community_code",
        building=pl.col("household_id").str.slice(2, 17),
    )
    plan = FilePlan(rows, rng, ctx.rates, key_column="payment_id")
    plan.reserve(np.flatnonzero(member(rows["id_number"], cases.case_persons)))
    plan.bad_citizen_ids("id_number")
    plan.old_community_codes()
    plan.corrupt(
        "bad_date",
        "period",
        "bad_month",
        lambda s, r: dirt.bad_enum_values(s.height, r, ["202613", "2023-5", "000000"]),
        detail="unparseable month",
    )
    plan.truncate("approved_at")
    plan.duplicate_exact()
    ctx.deliver(plan, feed=FEED, kind="jzff", day=d, name=f"jzff_{stamp(d)}.csv", fmt="csv")
