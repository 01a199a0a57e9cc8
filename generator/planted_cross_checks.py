"""Cross-check cases (关联比对) planted into the world before the feeds are written.

The world is clean by construction; here we break it on purpose, a few cases
of each rule, and record each one. The feeds then write the modified frames.
With ``dirt = 0`` nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from generator.feeds._common import FeedContext

ACTIVE = ["存续", "在业"]


@dataclass(frozen=True)
class Cases:
    entities: pl.DataFrame  # world entities with the planted premises / legal reps
    persons: pl.DataFrame  # the world's persons (ghosts among them, see below)
    ghosts: pl.DataFrame  # insured persons the population feeds never deliver
    high_base: pl.DataFrame  # id_number, name, employer_uscc: recipients given a high base
    case_entities: np.ndarray  # USCCs whose rows must stay free of row defects
    case_persons: np.ndarray  # citizen IDs whose rows must stay free of row defects


def plan_cases(ctx: FeedContext) -> Cases:
    world, rates, man = ctx.world, ctx.rates, ctx.manifest
    persons, entities = world.persons, world.entities
    empty = np.array([], dtype=object)
    if rates.clean:
        return Cases(
            entities,
            persons,
            persons.head(0),
            persons.head(0).select("id_number", "name", "employer_uscc"),
            empty,
            empty,
        )
    rng = ctx.rng("cases")

    assisted = persons.filter(
        pl.col("tags").list.contains("dibao") | pl.col("tags").list.contains("tekun")
    )
    active_scjg = entities.filter((pl.col("registry") == "scjg") & pl.col("status").is_in(ACTIVE))
    employers = persons["employer_uscc"].drop_nulls().unique()
    # entities nobody works for: re-pointing them cannot disturb employment facts
    free_entities = active_scjg.filter(~pl.col("uscc").is_in(employers.implode()))
    pool = free_entities["uscc"].to_numpy()[rng.permutation(free_entities.height)]
    taken = 0

    def take(k: int) -> np.ndarray:
        nonlocal taken
        out = pool[taken : taken + k]
        taken += len(out)
        return out

    recipients = assisted["id_number"].to_numpy()[rng.permutation(assisted.height)]
    k = rates.count("xc_cases", len(recipients) // 2)

    # 1. assistance recipients as legal representatives of active companies
    rep_ids = recipients[:k]
    rep_names = assisted.filter(pl.col("id_number").is_in(rep_ids.tolist()))
    rep_entities = take(len(rep_ids))
    rep_ids = rep_ids[: len(rep_entities)]
    name_of = dict(zip(rep_names["id_number"], rep_names["name"], strict=True))
    rep_map = pl.DataFrame(
        {
            "uscc": rep_entities,
            "legal_rep_id": rep_ids,
            "legal_rep_name": [name_of[i] for i in rep_ids],
        },
        schema={"uscc": pl.String, "legal_rep_id": pl.String, "legal_rep_name": pl.String},
    )
    entities = _update(entities, rep_map)
    man.add(
        "xc_assistance_legal_rep",
        "model",
        "entities",
        keys=list(rep_ids),
        detail=pl.Series([f"uscc={u}" for u in rep_entities], dtype=pl.String),
    )

    # 2. assistance recipients with a high contribution base (an employer appears)
    hb_ids = recipients[k : 2 * k]
    hb_employers = active_scjg["uscc"].to_numpy()[rng.integers(0, active_scjg.height, len(hb_ids))]
    high_base = (
        pl.DataFrame(
            {"id_number": hb_ids, "employer_uscc": hb_employers},
            schema={"id_number": pl.String, "employer_uscc": pl.String},
        )
        .join(persons.select("id_number", "name"), on="id_number", how="left")
        .select("id_number", "name", "employer_uscc")
    )
    man.add("xc_assistance_high_base", "model", "social_security", keys=list(hb_ids))

    # 3. insured persons with no residence record: the population feeds never deliver
    # them (they stay in the frame: no copy of millions of persons for a handful)
    workers = np.flatnonzero(
        (
            persons["employer_uscc"].is_not_null()
            & ~persons["id_number"].is_in(pl.Series(recipients, dtype=pl.String).implode())
        ).to_numpy()
    )
    kg = rates.count("xc_cases", len(workers) // 100)
    ghosts = persons[np.sort(rng.choice(workers, kg, replace=False))] if kg else persons.head(0)
    man.add(
        "xc_insured_no_residence", "model", "social_security", keys=ghosts["id_number"].to_list()
    )

    # 4. premises in a building that does not exist (well-formed code, current community)
    nb = take(rates.count("xc_cases", len(pool) // 4))
    existing = set(world.buildings["building_code"].to_list())
    communities = world.communities["community_code12"].to_numpy()
    ghost_rooms = []
    for _ in range(len(nb)):  # a handful of cases, not a hot path
        while True:
            code = f"{communities[rng.integers(len(communities))]}9{rng.integers(0, 10000):04d}"
            if code not in existing:
                break
        ghost_rooms.append(f"{code}01{rng.integers(1, 7):03d}{rng.integers(1, 9):03d}")
    entities = _update(
        entities,
        pl.DataFrame(
            {"uscc": nb, "room_code": ghost_rooms},
            schema={"uscc": pl.String, "room_code": pl.String},
        ),
    )
    man.add(
        "xc_entity_no_building",
        "model",
        "entities",
        keys=list(nb),
        detail=pl.Series([f"room_code={r}" for r in ghost_rooms], dtype=pl.String),
    )

    # 5. one residential room registered as premises of ~200 companies
    shared = take(rates.count("shared_room_companies", (len(pool) - taken) // 2))
    rooms_per_b = world.rooms.group_by("building_code").len("rooms")
    # in a building with fewer rooms than the companies, so it is over capacity
    # whatever happens to its other entities
    res_rooms = world.rooms.filter(
        (pl.col("use") == "residential")
        & pl.col("building_code").is_in(
            rooms_per_b.filter(pl.col("rooms") < len(shared))["building_code"].implode()
        )
    ).sort("room_code")
    if res_rooms.height == 0:
        res_rooms = world.rooms.filter(pl.col("use") == "residential").sort("room_code")
    shared_room = res_rooms["room_code"][int(rng.integers(res_rooms.height))]
    entities = _update(
        entities,
        pl.DataFrame(
            {"uscc": shared, "room_code": [shared_room] * len(shared)},
            schema={"uscc": pl.String, "room_code": pl.String},
        ),
    )
    man.add(
        "shared_room_entities",
        "model",
        "entities",
        keys=[shared_room],
        detail=f"{len(shared)} companies",
    )

    # 6. a small building with more registered entities than rooms
    small = rooms_per_b.filter(pl.col("rooms") <= 12).sort("building_code")
    if small.height == 0:
        small = rooms_per_b.sort("rooms", "building_code").head(1)
    target = small.row(int(rng.integers(small.height)), named=True)
    its_rooms = world.rooms.filter(pl.col("building_code") == target["building_code"])[
        "room_code"
    ].to_numpy()
    over = take(int(target["rooms"]) + int(rng.integers(2, 6)))
    entities = _update(
        entities,
        pl.DataFrame(
            {"uscc": over, "room_code": its_rooms[np.arange(len(over)) % len(its_rooms)]},
            schema={"uscc": pl.String, "room_code": pl.String},
        ),
    )

    # xc_building_over_capacity is recorded by the entities feed, at the end state

    case_entities = np.concatenate([rep_entities, nb, shared, over]).astype(object)
    case_persons = np.concatenate([rep_ids, hb_ids]).astype(object)
    return Cases(entities, persons, ghosts, high_base, case_entities, case_persons)


def _update(frame: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """Overwrite columns of ``frame`` for the keys in ``changes`` (first column = key)."""
    if changes.height == 0:
        return frame
    key = changes.columns[0]
    return frame.update(changes, on=key, how="left")
