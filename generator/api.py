"""``generate``: the simulated city → department deliveries + ground-truth manifest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from generator.dirt import DirtRates
from generator.feeds import (
    entities,
    events,
    facilities,
    housing,
    population,
    social_security,
    unemployment,
)
from generator.feeds._common import FeedContext, clear_feed, plant_symlink
from generator.geography_change import plan_change
from generator.manifest import Manifest
from generator.planted_cross_checks import plan_cases
from generator.scales import get_scale
from generator.world import build_world

FEEDS = ("population", "entities", "housing", "social_security", "events", "facilities")


@dataclass
class GenerateResult:
    landing_dir: Path
    ground_truth_dir: Path
    files: int
    rows: int
    defects: int
    seconds: float


def generate(
    landing_dir: Path,
    ground_truth_dir: Path,
    *,
    scale: str = "tiny",
    seed: int = 42,
    start: date = date(2026, 10, 1),
    days: int = 7,
    dirt: float = 1.0,
    geography_change: date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> GenerateResult:
    """Write ``days`` daily deliveries of every feed from ``start``, and the manifest.

    Facilities are a monthly snapshot: one per first working day in the range, or
    one on ``start`` when the range has none.

    ``dirt`` multiplies every defect rate; 0 writes a clean delivery set with an
    empty manifest. Same arguments, same bytes.

    ``geography_change``: a delivery date on which one community is split and one
    grid redrawn (generator/geography_change.py, docs/GEOGRAPHY.md): the data
    office's register file, new codes in the events from that day on, recorded in
    the manifest. None (the default) plants no change.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if dirt < 0:
        raise ValueError(f"dirt must be >= 0, got {dirt}")
    if geography_change is not None and not start < geography_change < start + timedelta(days=days):
        raise ValueError(
            f"geography_change {geography_change} must fall after the first delivery date "
            f"{start} and within the {days} delivered days: pick a date inside the range"
        )
    sc = get_scale(scale)
    began = time.perf_counter()
    tick = progress or (lambda stage, done, total: None)
    tick("world", 0, 1)
    world = build_world(scale, seed, start)
    tick("world", 1, 1)
    for feed in FEEDS:
        clear_feed(landing_dir, feed)
    manifest = Manifest()
    ctx = FeedContext(
        world=world,
        landing=landing_dir,
        start=start,
        days=days,
        seed=seed,
        rates=DirtRates(multiplier=dirt),
        manifest=manifest,
        progress=progress,
    )
    cases = plan_cases(ctx)
    # insured persons are chosen first: the population feed must keep them findable
    insured = social_security.plan_insured(ctx, cases, sc.insured_persons)
    population.write(ctx, cases, linked=insured["id_number"])
    premises = entities.write(ctx, cases)
    housing.write(ctx, cases, sc.rental_filings, premises)
    # registered unemployment shares the social-security folders, whose _SUCCESS
    # the social-security writer puts last
    unemployment.write(ctx, insured.height)
    social_security.write(ctx, cases, insured)
    facilities.write(ctx)
    change = plan_change(ctx, geography_change) if geography_change is not None else None
    events.write(ctx, sc.events_per_day, change)
    if not ctx.rates.clean:
        plant_symlink(ctx)
    rows = sum(int(f["rows"]) for f in ctx.files)
    summary = {
        "scale": scale,
        "seed": seed,
        "start": start.isoformat(),
        "days": days,
        "dates": [d.isoformat() for d in ctx.dates],
        "dirt": dirt,
        "geography_change": geography_change.isoformat() if geography_change else None,
        "files": ctx.files,
        "rows": rows,
    }
    defects = manifest.write(ground_truth_dir, summary)
    return GenerateResult(
        landing_dir=landing_dir,
        ground_truth_dir=ground_truth_dir,
        files=len(ctx.files),
        rows=rows,
        defects=defects,
        seconds=time.perf_counter() - began,
    )
