"""The simulated city: geography, buildings, rooms, people and legal entities.

``build_world`` makes one consistent, *clean* world (no defects); the feed
writers in ``generator/feeds`` turn it into department deliveries and plant
the dirt. Every frame below is a polars DataFrame with exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from generator.built import build_buildings, build_rooms
from generator.firms import build_entities
from generator.geo import build_geography
from generator.people import assign_employers, build_persons
from generator.scales import get_scale

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "seeds" / "reference"


@dataclass(frozen=True)
class World:
    scale: str
    seed: int
    as_of: date  # first delivery date; the state of the world on that day

    # street_code12, street_name, district_code12, district_name
    streets: pl.DataFrame
    # community_code12, community_name, street_code12, district_code12,
    # kind ('居委会' | '村委会'), n_grids, area_km2, target_population
    communities: pl.DataFrame
    # grid_code (15 = community code12 + 3-digit seq), community_code12,
    # h3_cell (str, resolution 9), lon, lat (centroid), area_km2
    grids: pl.DataFrame
    # building_code (17 = community code12 + 5-digit seq), community_code12,
    # grid_code, address, lon, lat, building_type (urban_village | commercial |
    # factory | dormitory | public_housing | office), floors, year_built,
    # hazard_grade (A|B|C|D)
    buildings: pl.DataFrame
    # room_code (25 = building code + 2-digit entrance + 3-digit floor +
    # 3-digit room), building_code, floor, area_m2,
    # use (residential|commercial|industrial|mixed), is_rental (bool)
    rooms: pl.DataFrame
    # id_number (18, valid GB 11643), name, sex ('1'|'2'), birth_date (Date),
    # ethnicity ('01'..'56'), hukou (bool), permit_no (str | null, null for
    # hukou), phone (11 digits), room_code, grid_code, lon, lat, move_in (Date),
    # employer_uscc (str | null), tags (list[str]: elderly_alone, disabled,
    # dibao, tekun, child_in_distress, ...)
    persons: pl.DataFrame
    # uscc (18, valid GB 32100), name, registry ('scjg' | 'mz'),
    # entity_type (scjg: 企业 | 个体工商户 | 农民专业合作社;
    # mz: 社会团体 | 民办非企业单位 | 基金会), legal_rep_id, legal_rep_name,
    # room_code (premises), address, industry_code (e.g. 'C3911'; null for mz),
    # status (存续 | 在业 | 注销 | 吊销 | 迁出), established (Date),
    # cancelled (Date | null), capital_wan (Float64), employees (Int64),
    # scope (mz only), rating ('1A'..'5A' | null, mz only),
    # staff (mz only), social_workers (mz only)
    entities: pl.DataFrame


@dataclass(frozen=True)
class Places:
    """The world's geography and buildings alone (frames as in ``World``)."""

    streets: pl.DataFrame
    communities: pl.DataFrame
    grids: pl.DataFrame
    buildings: pl.DataFrame


def _streams(seed: int) -> list[np.random.Generator]:
    """One child generator per part: geography, buildings, rooms, persons, entities, employers."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]


def build_places(scale: str, seed: int, as_of: date, reference_dir: Path = REFERENCE_DIR) -> Places:
    """The geography and buildings of ``build_world(scale, seed, as_of)``, the same frames,
    without rooms, persons or entities (what the events feed draws on)."""
    sc = get_scale(scale)
    rng_geo, rng_bld, *_ = _streams(seed)
    streets, communities, grids = build_geography(
        reference_dir,
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
        as_of.year,
        rng_bld,
    )
    return Places(streets=streets, communities=communities, grids=grids, buildings=buildings)


def build_world(scale: str, seed: int, as_of: date, reference_dir: Path = REFERENCE_DIR) -> World:
    """Build the clean world for a scale (tiny | district | city).

    Deterministic for (scale, seed, as_of): each part draws from its own child
    generator, so changing one part does not reshuffle the others.
    """
    sc = get_scale(scale)
    places = build_places(scale, seed, as_of, reference_dir)
    streets, communities, buildings = places.streets, places.communities, places.buildings
    _, _, rng_room, rng_pers, rng_ent, rng_emp = _streams(seed)
    rooms = build_rooms(buildings, sc.rooms, rng_room)
    persons = build_persons(communities, buildings, rooms, as_of, rng_pers)
    entities = build_entities(
        sc.scjg_entities, sc.social_orgs, persons, buildings, rooms, as_of, rng_ent
    )
    persons = assign_employers(persons, entities, as_of, rng_emp)
    return World(
        scale=scale,
        seed=seed,
        as_of=as_of,
        streets=streets,
        communities=communities,
        grids=places.grids,
        buildings=buildings,
        rooms=rooms,
        persons=persons,
        entities=entities,
    )
