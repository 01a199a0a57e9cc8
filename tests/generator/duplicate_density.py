"""How well the duplicate-incident rule can do at a scale's event density.

Draws a scale's incidents, planted duplicates and state lines with the events
feed's own law (``generator.feeds.events``: ``_events`` and ``_lifecycle`` on
the scale's places from ``generator.world.build_places``; no persons, no
files, no ingest, so district density takes seconds) and applies the rule of
``fct_event_duplicates`` in polars: same grid, same category group, at most
``minutes`` later, at most ``metres`` apart, plus the source's own ``merged``
marks; judged like ``tests/dbt/duplicate_quality.py`` (loaded events only:
the last delivery of a dirty run has no ``_SUCCESS``). Printed per variant:
planted, found, precision, recall.

    uv run --frozen python -m tests.generator.duplicate_density --scale district --days 7

``--seeds 1-11`` prints the rule's figures per seed instead (the spread a
target must hold over), with their mean.

``--landing DIR --ground-truth DIR`` also writes the scale's events feed (the
same files ``zhiwang generate`` writes for it) and its manifest, to ingest
and build a warehouse of that scale's events and measure it with
``python -m tests.dbt.duplicate_quality`` (docs/EVENT_RULES.md).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl

from generator.dirt import DirtRates
from generator.feeds import events
from generator.feeds._common import FeedContext, clear_feed
from generator.manifest import Manifest
from generator.scales import get_scale
from generator.world import build_places

START = date(2026, 10, 1)
# fct_event_duplicates' defaults (dbt_project.yml vars event_duplicate_*)
RULE_MINUTES, RULE_METRES = 10, 55

# (label, minutes, metres, same category group, same building)
VARIANTS = [
    ("rule: 10 min, 55 m, category group", RULE_MINUTES, RULE_METRES, True, False),
    ("10 min, 50 m, category group", 10, 50, True, False),
    ("10 min, 60 m, category group (the rule until 2026-12-03)", 10, 60, True, False),
    ("10 min, 70 m, category group", 10, 70, True, False),
    ("15 min, 100 m, category group", 15, 100, True, False),
    ("30 min, 100 m, category group (the issue's first rule)", 30, 100, True, False),
    ("30 min, 100 m, any category", 30, 100, False, False),
    ("30 min, 100 m, category group, same building", 30, 100, True, True),
]


def _context(scale: str, days: int, seed: int, start: date, landing: Path) -> FeedContext:
    """A feed context on the scale's places (``generator.world.build_places``: the same
    streets, communities, grids and buildings as a full run of that scale and seed)."""
    places = build_places(scale, seed, start)
    return FeedContext(
        world=places,  # type: ignore[arg-type]  # the events law reads these frames only
        landing=landing,
        start=start,
        days=days,
        seed=seed,
        rates=DirtRates(multiplier=1.0),
        manifest=Manifest(),
    )


def incidents(scale: str, days: int, seed: int, start: date = START) -> pl.DataFrame:
    """The scale's reported incidents as the feed draws them: ``dup_of_id`` (planted
    duplicates), ``loaded`` (a state line in a delivery the pipeline loads: the dirty
    run's last delivery lacks ``_SUCCESS``) and ``source_merged`` (a loaded ``merged``
    state: the source's own mark, which fct_event_duplicates takes as it is)."""
    ctx = _context(scale, days, seed, start, Path("/nonexistent"))
    rng = ctx.rng("events", "events")
    ev = events._events(ctx, rng, get_scale(scale).events_per_day)
    lines = events._lifecycle(ctx, rng, ev)
    loaded_days = days - 1 if days >= 2 else days  # as events.write: the last is incomplete
    lines = lines.filter(pl.col("_day") < loaded_days)
    merged = lines.filter(pl.col("state") == "merged")["event_id"]
    return ev.with_columns(
        pl.col("event_id").is_in(lines["event_id"].unique().implode()).alias("loaded"),
        pl.col("event_id").is_in(merged.implode()).alias("source_merged"),
    )


def write_events_feed(
    scale: str, days: int, seed: int, landing: Path, ground_truth: Path, start: date = START
) -> int:
    """The events feed of ``zhiwang generate --scale <scale> --seed <seed> --days <days>
    --no-geography-change`` (the planted change needs the persons, which this
    measurement does not build): the same files, the feed draws from its own streams
    on the same places; and its manifest; no other feed. Returns the number of files
    written."""
    ctx = _context(scale, days, seed, start, landing)
    clear_feed(landing, events.FEED)
    events.write(ctx, get_scale(scale).events_per_day)
    ctx.manifest.write(
        ground_truth,
        {"scale": scale, "seed": seed, "start": start.isoformat(), "days": days,
         "dates": [d.isoformat() for d in ctx.dates], "dirt": 1.0, "files": ctx.files,
         "rows": sum(int(f["rows"]) for f in ctx.files), "feeds": [events.FEED]},
    )  # fmt: skip
    return len(ctx.files)


def judge(
    ev: pl.DataFrame, minutes: float, metres: float, same_group: bool, same_building: bool
) -> tuple[int, int, float, float]:
    """(planted, found, precision, recall) of rule ∪ source merges, on loaded events and
    planted pairs whose two reports were loaded (as tests/dbt/duplicate_quality.py)."""
    cols = ev.filter("loaded").select(
        "event_id",
        "t0",
        pl.col("category_code").str.slice(0, 2).alias("group"),
        "grid_code",
        "building_code",
        "lon",
        "lat",
        "dup_of_id",
        "source_merged",
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
    by_rule = set(
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
    found = by_rule | set(cols.filter("source_merged")["event_id"].to_list())
    loaded = set(cols["event_id"].to_list())
    truth = set(cols.filter(pl.col("dup_of_id").is_in(list(loaded)))["event_id"].to_list())
    hits = len(found & truth)
    return len(truth), len(found), hits / max(len(found), 1), hits / max(len(truth), 1)


def seed_spread(scale: str, days: int, seeds: range) -> dict[int, tuple[int, int, float, float]]:
    """The rule's (planted, found, precision, recall) on each seed's incidents."""
    return {
        seed: judge(incidents(scale, days, seed), RULE_MINUTES, RULE_METRES, True, False)
        for seed in seeds
    }


def same_building_share(ev: pl.DataFrame) -> float:
    """Share of planted duplicates that name their original's building code."""
    dup = ev.filter(pl.col("dup_of_id").is_not_null()).select("dup_of_id", "building_code")
    pairs = dup.join(
        ev.select("event_id", pl.col("building_code").alias("original_building")),
        left_on="dup_of_id",
        right_on="event_id",
    )
    return float((pairs["building_code"] == pairs["original_building"]).mean() or 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seeds", help="the rule on each seed of a range, e.g. 1-11")
    parser.add_argument("--landing", type=Path, help="also write the events feed here")
    parser.add_argument("--ground-truth", type=Path, help="its manifest (with --landing)")
    args = parser.parse_args()
    if args.landing is not None:
        if args.ground_truth is None:
            parser.error("--landing needs --ground-truth (where the manifest goes)")
        files = write_events_feed(args.scale, args.days, args.seed, args.landing, args.ground_truth)
        print(f"wrote {files} events files under {args.landing}, manifest in {args.ground_truth}")
    if args.seeds:
        first, _, last = args.seeds.partition("-")
        print(f"rule: {RULE_MINUTES} min, {RULE_METRES} m, category group")
        print("| seed | planted | found | precision | recall |")
        print("| --- | --- | --- | --- | --- |")
        figures = seed_spread(args.scale, args.days, range(int(first), int(last or first) + 1))
        for seed, (planted, found, precision, recall) in figures.items():
            print(f"| {seed} | {planted:,} | {found:,} | {precision:.1%} | {recall:.1%} |")
        mean_p = sum(f[2] for f in figures.values()) / len(figures)
        mean_r = sum(f[3] for f in figures.values()) / len(figures)
        print(f"| mean | | | {mean_p:.1%} | {mean_r:.1%} |")
        return
    ev = incidents(args.scale, args.days, args.seed)
    per_grid = ev.height / args.days / max(ev["grid_code"].n_unique(), 1)
    print(f"{args.scale}, {args.days} days, seed {args.seed}: {ev.height:,} reports, "
          f"{per_grid:.1f} per grid and day; {same_building_share(ev):.1%} of the planted "
          "duplicates name their original's building")  # fmt: skip
    print("| variant | planted | found | precision | recall |\n| --- | --- | --- | --- | --- |")
    for label, minutes, metres, group, building in VARIANTS:
        planted, found, precision, recall = judge(ev, minutes, metres, group, building)
        print(f"| {label} | {planted:,} | {found:,} | {precision:.1%} | {recall:.1%} |")


if __name__ == "__main__":
    main()
