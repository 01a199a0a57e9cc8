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


def default_change_date(start: date, days: int) -> date | None:
    """The default planted geography change: the middle delivery date (day ``days // 2``
    from ``start``: 2026-10-04 for 7 days from 2026-10-01, 2026-10-02 for 2 or 3 days),
    None for a single delivery day (the change must fall after the first one)."""
    return start + timedelta(days=days // 2) if days >= 2 else None


def generate(
    landing_dir: Path,
    ground_truth_dir: Path,
    *,
    scale: str = "tiny",
    seed: int = 42,
    start: date = date(2026, 10, 1),
    days: int = 7,
    dirt: float = 1.0,
    geography_change: date | bool | None = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> GenerateResult:
    """Write ``days`` daily deliveries of every feed from ``start``, and the manifest.

    Facilities are a monthly snapshot: one per first working day in the range, or
    one on ``start`` when the range has none.

    ``dirt`` multiplies every defect rate; 0 writes a clean delivery set with an
    empty manifest. Same arguments, same bytes.

    ``geography_change``: the delivery date on which one community is split and one
    grid redrawn (generator/geography_change.py, docs/GEOGRAPHY.md): the data
    office's register file, new codes in the feeds from that day on, recorded in
    the manifest. True (the default) plants it on the middle delivery date
    (:func:`default_change_date`) when there are 2 delivery days or more; False or
    None plants no change.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if dirt < 0:
        raise ValueError(f"dirt must be >= 0, got {dirt}")
    change_day: date | None
    if isinstance(geography_change, bool):
        # a clean set (dirt 0) stays one without a manifest row: no default change
        change_day = default_change_date(start, days) if geography_change and dirt > 0 else None
    else:
        change_day = geography_change
    if change_day is not None and not start < change_day < start + timedelta(days=days):
        raise ValueError(
            f"geography_change {change_day} must fall after the first delivery date "
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
    # the change depends on the world only; planned first, every feed delivers its codes
    change = plan_change(ctx, change_day) if change_day is not None else None
    population.write(ctx, cases, linked=insured["id_number"], change=change)
    premises = entities.write(ctx, cases)
    housing.write(ctx, cases, sc.rental_filings, premises, change)
    # registered unemployment shares the social-security folders, whose _SUCCESS
    # the social-security writer puts last
    unemployment.write(ctx, insured.height, change)
    social_security.write(ctx, cases, insured, change)
    facilities.write(ctx)
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
        "geography_change": change_day.isoformat() if change_day else None,
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
