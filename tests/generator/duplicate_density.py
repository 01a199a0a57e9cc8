"""How well the duplicate-incident rule can do at a scale's event density (an estimate).

Draws a scale's incidents and planted duplicates with the events feed's own
law (``generator.feeds.events._events`` on that scale's geography and
buildings: no persons, no lifecycle, no files, no ingest, so district density
takes seconds instead of a full district run) and applies the rule of
``fct_event_duplicates`` in polars: same grid, same category group, at most
``minutes`` later, at most ``metres`` apart. Printed per variant: planted,
found, precision, recall. On the warehouse itself (any scale that was really
generated and built) use ``python -m tests.dbt.duplicate_quality``.

    uv run --frozen python -m tests.generator.duplicate_density --scale district --days 7
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl

from generator.built import build_buildings
from generator.dirt import DirtRates
from generator.feeds import events
from generator.feeds._common import FeedContext
from generator.geo import build_geography
from generator.manifest import Manifest
from generator.scales import get_scale
from generator.world import REFERENCE_DIR

# (label, minutes, metres, same category group, same building)
VARIANTS = [
    ("rule: 30 min, 100 m, category group", 30, 100, True, False),
    ("without the category group", 30, 100, False, False),
    ("15 min, 100 m, category group", 15, 100, True, False),
    ("10 min, 50 m, category group", 10, 50, True, False),
    ("30 min, 100 m, category group, same building", 30, 100, True, True),
]


def incidents(scale: str, days: int, seed: int, start: date = date(2026, 10, 1)) -> pl.DataFrame:
    """The scale's reported incidents (duplicates carry ``dup_of_id``), as the feed draws them."""
    sc = get_scale(scale)
    # the same child streams as generator.world.build_world: geography, then buildings
    rng_geo, rng_bld, *_ = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))
    streets, communities, grids = build_geography(
        REFERENCE_DIR,
        sc.district_codes,
        sc.persons,
        (sc.community_pop_min, sc.community_pop_max),
        rng_geo,
    )
    buildings = build_buildings(
        communities,
        grids,
        streets,
        sc.buildings,
        sc.min_buildings_per_community,
        start.year,
        rng_bld,
    )
    world = SimpleNamespace(buildings=buildings, communities=communities, streets=streets)
    ctx = FeedContext(
        world=world,  # type: ignore[arg-type]  # the events law reads these three frames only
        landing=Path("/nonexistent"),
        start=start,
        days=days,
        seed=seed,
        rates=DirtRates(multiplier=1.0),
        manifest=Manifest(),
    )
    return events._events(ctx, ctx.rng("events", "events"), sc.events_per_day)


def judge(ev: pl.DataFrame, minutes: int, metres: float, same_group: bool, same_building: bool):
    cols = ev.select(
        "event_id",
        "t0",
        pl.col("category_code").str.slice(0, 2).alias("group"),
        "grid_code",
        "building_code",
        "lon",
        "lat",
        "dup_of_id",
    )
    keys = (
        ["grid_code"]
        + (["group"] if same_group else [])
        + (["building_code"] if same_building else [])
    )
    lat = ((pl.col("lat") + pl.col("lat_o")) / 2).radians()
    metres_apart = (
        6371008.8
        * (
            ((pl.col("lon") - pl.col("lon_o")).radians() * lat.cos()) ** 2
            + (pl.col("lat") - pl.col("lat_o")).radians() ** 2
        ).sqrt()
    )
    found = set(
        cols.join(cols, on=keys, suffix="_o")
        .filter(
            (pl.col("event_id") != pl.col("event_id_o"))
            & (pl.col("t0_o") <= pl.col("t0"))
            & (pl.col("t0") - pl.col("t0_o") <= minutes * 60)
            & ((pl.col("t0_o") < pl.col("t0")) | (pl.col("event_id_o") < pl.col("event_id")))
            & (metres_apart <= metres)
        )["event_id"]
        .to_list()
    )
    truth = set(cols.filter(pl.col("dup_of_id").is_not_null())["event_id"].to_list())
    hits = len(found & truth)
    return len(truth), len(found), hits / max(len(found), 1), hits / max(len(truth), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    ev = incidents(args.scale, args.days, args.seed)
    per_grid = ev.height / args.days / max(ev["grid_code"].n_unique(), 1)
    print(f"{args.scale}, {args.days} days, seed {args.seed}: {ev.height:,} reports, "
          f"{per_grid:.1f} per grid and day")  # fmt: skip
    print("| variant | planted | found | precision | recall |\n| --- | --- | --- | --- | --- |")
    for label, minutes, metres, group, building in VARIANTS:
        planted, found, precision, recall = judge(ev, minutes, metres, group, building)
        print(f"| {label} | {planted:,} | {found:,} | {precision:.1%} | {recall:.1%} |")


if __name__ == "__main__":
    main()
