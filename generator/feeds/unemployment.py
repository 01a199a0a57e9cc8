"""Registered unemployment (FEEDS.md section 4b): ``social_security/<date>/sydj_<yyyymmdd>.csv``.

UTF-8, daily changes: ``id_number, name, registered_date, status
(registered|re_employed|cancelled), community_code, op (I|U|D), updated_at``.

Registered are residents of working age (16-59) without an employer. The
stock on the first date is about 2.6 % of the insured workforce (Shenzhen's
registered-unemployment rate is 2-3 %), delivered as inserts on the first
date; each later day brings new registrations, re-employments, a few
cancellations and now and then the delete of a record entered in error.
Written before the social-security writer, which puts ``_SUCCESS`` last.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import dirt
from generator.dirt import FilePlan
from generator.feeds._common import FeedContext, random_times, stamp
from generator.geography_change import GeographyChange, recode_codes

FEED = "social_security"
KIND = "sydj"
COLUMNS = ["id_number", "name", "registered_date", "status", "community_code", "op", "updated_at"]
STOCK_SHARE = 0.026  # registered / insured workforce on the first date
_NEW, _REEMPLOYED, _CANCELLED, _DELETED = 0.004, 0.003, 0.0005, 0.0003  # per day, of the stock


def write(ctx: FeedContext, insured: int, change: GeographyChange | None = None) -> None:
    """One change file per date; ``insured`` is the number of insured persons;
    ``change``: a planted geography change (community codes in force from its effective
    day on, generator/geography_change.py)."""
    rng = ctx.rng(FEED, KIND, "people")
    p = ctx.world.persons
    age = (pl.lit(ctx.start) - pl.col("birth_date")).dt.total_days() // 365
    pool = p.filter(age.is_between(16, 59) & pl.col("employer_uscc").is_null()).select(
        "id_number",
        "name",
        pl.col("room_code").str.slice(0, 12).alias("community_code"),
        pl.col("room_code").str.slice(0, 17).alias("_building"),
    )
    pool = pool.sort("id_number")
    stock = min(pool.height, max(1, round(insured * STOCK_SHARE)))
    order = rng.permutation(pool.height)
    registered = pool[order[:stock]].with_columns(
        pl.Series([ctx.start - timedelta(days=int(x)) for x in rng.integers(1, 720, stock)]).alias(
            "registered_date"
        ),
        pl.lit("registered").alias("status"),
    )
    spare = pool[order[stock:]]
    for i, d in enumerate(ctx.dates):
        day_rng = ctx.rng(FEED, KIND, i)
        if i == 0:
            changes = registered.with_columns(pl.lit("I").alias("op"))
        else:
            current = registered.filter(pl.col("status") == "registered")
            n_new = min(spare.height, int(day_rng.poisson(_NEW * max(stock, 1))))
            new = spare.head(n_new).with_columns(
                pl.lit(d - timedelta(days=1)).alias("registered_date"),
                pl.lit("registered").alias("status"),
            )
            spare = spare.slice(n_new)
            pick = day_rng.permutation(current.height)
            k1 = int(day_rng.poisson(_REEMPLOYED * stock))
            k2 = int(day_rng.poisson(_CANCELLED * stock))
            k3 = int(day_rng.poisson(_DELETED * stock))
            back = current[pick[:k1]].with_columns(pl.lit("re_employed").alias("status"))
            gone = current[pick[k1 : k1 + k2]].with_columns(pl.lit("cancelled").alias("status"))
            wrong = current[pick[k1 + k2 : k1 + k2 + k3]]
            changed = pl.concat([back, gone], how="vertical")
            registered = (
                registered.join(
                    changed.select("id_number", pl.col("status").alias("_s")),
                    on="id_number",
                    how="left",
                )
                .with_columns(pl.coalesce("_s", "status").alias("status"))
                .drop("_s")
                .filter(~pl.col("id_number").is_in(wrong["id_number"].implode()))
            )
            registered = pl.concat([registered, new], how="vertical")
            changes = pl.concat(
                [
                    new.with_columns(pl.lit("I").alias("op")),
                    changed.with_columns(pl.lit("U").alias("op")),
                    wrong.with_columns(pl.lit("D").alias("op")),
                ],
                how="vertical",
            )
        _write_day(ctx, d, changes, day_rng, change)


def _write_day(
    ctx: FeedContext,
    d: date,
    changes: pl.DataFrame,
    rng: np.random.Generator,
    change: GeographyChange | None = None,
) -> None:
    changes = recode_codes(
        ctx,
        change,
        d,
        changes,
        feed=FEED,
        kind=KIND,
        key="id_number",
        community="community_code",
        building=pl.col("_building"),
    )
    rows = changes.select(
        "id_number",
        "name",
        pl.col("registered_date").dt.strftime("%Y-%m-%d"),
        "status",
        "community_code",
        "op",
        random_times(rng, d - timedelta(days=1), changes.height).alias("updated_at"),
    ).sort("updated_at", "id_number")
    plan = FilePlan(
        rows, rng, ctx.rates, key_column="id_number", key_columns=["id_number", "updated_at"]
    )
    dirt.plant_damage(plan, "name")
    plan.bad_citizen_ids("id_number")
    plan.old_community_codes()
    plan.corrupt(
        "bad_enum",
        "status",
        "bad_enum",
        lambda s, r: dirt.bad_enum_values(s.height, r, ["登记", "unemployed", "closed"]),
        detail="status outside the code list",
    )
    plan.corrupt(
        "bad_date",
        "registered_date",
        "bad_date",
        lambda s, r: dirt.bad_dates(s.height, r, compact=False),
        detail="unparseable date",
    )
    plan.truncate("updated_at")
    plan.duplicate_exact()
    ctx.deliver(plan, feed=FEED, kind=KIND, day=d, name=f"{KIND}_{stamp(d)}.csv", fmt="csv")
