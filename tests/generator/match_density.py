"""How well the golden-record matching does at a scale's density, without a warehouse.

Entities: builds the scale's world (its registries' USCCs and every employer
code, organs and public institutions included), writes ``--variants`` of the
two kinds the social-security writer plants (a wrong check character, the bare
organisation code) for employers in a registry, and applies the rules of
``int_entity_matches``: a variant merges when exactly one known USCC fits (so
a merge is always the true record; an ambiguous one stays unmatched).

Draws the scale's events with the events feed's own law (``_events``, which
plants the position-only reports, on the scale's places from
``generator.world.build_places``; no persons, no files, no ingest: district
density takes seconds) and applies the rule of ``int_building_matches`` in
polars: the nearest building of the report's community within
``golden_building_max_metres``, first the one whose registered address the
report's description names (``described_address``), and, for comparison, the
position alone (``nearest_building``). Judged like ``tests/dbt/match_quality.py``
(reports in loaded deliveries only: a dirty run's last delivery lacks
``_SUCCESS``).

    uv run --frozen python -m tests.generator.match_density --scale district --days 7

(district: ~1 minute and ~5 GB for the world of 5.5 M persons.)
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from generator import dirt
from generator.feeds import events
from generator.scales import get_scale
from generator.world import build_world
from tests.generator.duplicate_density import START, _context

# dbt_project.yml var golden_building_max_metres
MAX_METRES = 25.0
EARTH_M = 6371008.8


def measure(scale: str, days: int, seed: int, start: date = START) -> dict[str, object]:
    ctx = _context(scale, days, seed, start, Path("/nonexistent"))
    rng = ctx.rng("events", "events")
    ev = events._events(ctx, rng, get_scale(scale).events_per_day)
    lines = events._lifecycle(ctx, rng, ev)
    loaded_days = days - 1 if days >= 2 else days
    loaded = lines.filter(pl.col("_day") < loaded_days)["event_id"].unique()
    truth = (
        ctx.manifest.frame()
        .filter(pl.col("defect") == "building_variant")
        .select(pl.col("key").alias("event_id"), pl.col("detail").str.strip_prefix("true "))
        .rename({"detail": "truth"})
        .filter(pl.col("event_id").is_in(loaded.implode()))
    )
    # what the feed writes in each report's description (free text by the contract)
    described = lines.group_by("event_id").agg(pl.col("description").drop_nulls().unique())
    reports = ev.filter(pl.col("building_code").is_null()).select(
        "event_id", pl.col("grid_code").str.slice(0, 12).alias("community"), "lon", "lat"
    )
    reports = reports.filter(pl.col("event_id").is_in(loaded.implode()))
    buildings = ctx.world.buildings.select(
        pl.col("building_code").alias("candidate"),
        pl.col("community_code12").alias("community"),
        "address",
        pl.col("lon").alias("b_lon"),
        pl.col("lat").alias("b_lat"),
    )
    rad = math.pi / 180
    near = (
        reports.join(buildings, on="community")
        .with_columns(
            (
                EARTH_M
                * (
                    (
                        ((pl.col("b_lon") - pl.col("lon")) * rad)
                        * (((pl.col("lat") + pl.col("b_lat")) / 2) * rad).cos()
                    )
                    ** 2
                    + ((pl.col("b_lat") - pl.col("lat")) * rad) ** 2
                ).sqrt()
            ).alias("distance_m")
        )
        .filter(pl.col("distance_m") <= MAX_METRES)
    )
    nearest = (
        near.sort("event_id", "distance_m", "candidate")
        .group_by("event_id", maintain_order=True)
        .first()
        .select("event_id", "candidate")
    )
    # int_building_matches' described_address: a building near enough whose registered
    # address the description names; the longest such address, unless two share it
    named = (
        near.join(described.explode("description"), on="event_id")
        .filter(pl.col("description").str.contains(pl.col("address"), literal=True))
        .select("event_id", "candidate", pl.col("address").str.len_chars().alias("length"))
        .unique()
        .filter(pl.col("length") == pl.col("length").max().over("event_id"))
        .filter(pl.len().over("event_id") == 1)
        .select("event_id", "candidate")
    )
    by_description = pl.concat(
        [named, nearest.join(named, on="event_id", how="anti")], how="vertical"
    )
    out: dict[str, object] = {
        "scale": scale,
        "days": days,
        "seed": seed,
        "buildings": ctx.world.buildings.height,
        "planted": truth.height,
        "described": named.height,
    }
    for rule, merges in (("nearest_building", nearest), ("described_address", by_description)):
        judged = truth.join(merges, on="event_id", how="left")
        right = judged.filter(pl.col("candidate") == pl.col("truth")).height
        out[rule] = {
            "merged": merges.height,
            "right": right,
            "precision": round(right / merges.height, 4) if merges.height else 1.0,
            "recall": round(right / truth.height, 4) if truth.height else 1.0,
        }
    return out


def measure_entities(scale: str, seed: int, variants: int, start: date = START) -> dict:
    world = build_world(scale, seed, start)
    employers = world.persons["employer_uscc"].drop_nulls().unique()
    known = pl.concat([world.entities["uscc"], employers]).unique()
    registered = employers.filter(employers.str.slice(0, 1).is_in(["9", "5"])).sort()
    rng = np.random.default_rng(seed)
    truth = registered.gather(rng.choice(registered.len(), min(variants, registered.len()), False))
    out: dict[str, object] = {"scale": scale, "seed": seed, "known_usccs": known.len()}
    for rule, planted, key, known_key in (
        ("check_character", dirt.corrupt_uscc(truth, rng), 17, known.str.slice(0, 17)),
        ("organisation_code", dirt.org_code_only(truth), 9, known.str.slice(8, 9)),
    ):
        fits = known_key.value_counts(name="n").rename({known_key.name: "k"})
        probe = planted.str.slice(0, 17) if key == 17 else planted
        judged = pl.DataFrame({"k": probe}).join(fits, on="k", how="left")
        merged = judged.filter(pl.col("n") == 1).height
        out[rule] = {
            "planted": truth.len(),
            "merged": merged,
            "precision": 1.0,  # one candidate, and the true code is known: it is the one
            "recall": round(merged / truth.len(), 4),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variants", type=int, default=5000, help="entity variants per kind")
    args = parser.parse_args()
    report = {
        "buildings": measure(args.scale, args.days, args.seed),
        "entities": measure_entities(args.scale, args.seed, args.variants),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
