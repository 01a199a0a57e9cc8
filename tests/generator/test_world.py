"""The clean world at `tiny` scale: sizes, geography and the clean-world invariants."""

from __future__ import annotations

from datetime import date

import h3
import polars as pl
import pytest
from stdnum.cn import ric, uscc

from generator.ids import uscc_is_valid
from generator.scales import TINY
from generator.world import World, build_world
from tests.generator.test_feeds import valid_citizen_id

AS_OF = date(2026, 10, 1)
ACTIVE = ["存续", "在业"]


@pytest.fixture(scope="module")
def world() -> World:
    return build_world("tiny", 42, AS_OF)


def _age(col: str = "birth_date") -> pl.Expr:
    return (pl.lit(AS_OF) - pl.col(col)).dt.total_days() / 365.2425


def test_counts_land_near_the_tiny_targets(world: World) -> None:
    assert world.persons.height == TINY.persons
    assert world.buildings.height == TINY.buildings
    assert abs(world.rooms.height - TINY.rooms) / TINY.rooms < 0.1
    assert world.entities.height == TINY.legal_entities
    assert world.entities.filter(pl.col("registry") == "mz").height == TINY.social_orgs >= 40


def test_baoan_grids_are_h3_cells_in_141_real_communities(world: World) -> None:
    assert abs(world.grids.height - 3957) / 3957 <= 0.02
    assert world.grids["h3_cell"].n_unique() == world.grids.height
    assert all(h3.get_resolution(c) == 9 for c in world.grids["h3_cell"])
    assert world.communities.height == 141
    assert world.streets.height == 11  # 10 streets + the airport unit
    per = world.grids.group_by("community_code12").len()
    assert per.height == 141 and per["len"].min() >= 1
    assert world.grids["grid_code"].str.len_chars().eq(15).all()
    assert (world.grids["grid_code"].str.slice(0, 12) == world.grids["community_code12"]).all()
    assert world.communities["n_grids"].sum() == world.grids.height


def _connected(cells: list[str]) -> bool:
    cellset, seen, stack = set(cells), {cells[0]}, [cells[0]]
    while stack:
        for nb in h3.grid_ring(stack.pop(), 1):
            if nb in cellset and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return len(seen) == len(cellset)


def test_every_community_and_street_is_contiguous(world: World) -> None:
    g = world.grids.join(
        world.communities.select("community_code12", "street_code12"), on="community_code12"
    )
    for key in ("community_code12", "street_code12"):
        for _, part in g.group_by(key):
            assert _connected(part["h3_cell"].to_list()), part[key][0]


def test_community_sizes_and_populations_are_skewed_and_correlated(world: World) -> None:
    c = world.communities
    assert c["n_grids"].max() >= 60 and c["n_grids"].min() <= 3
    pop = c["target_population"]
    assert pop.sum() == TINY.persons
    assert pop.max() / pop.min() >= 10
    assert pop.min() >= TINY.community_pop_min and pop.max() <= TINY.community_pop_max
    rho = c.select(pl.corr("n_grids", "target_population", method="spearman")).item()
    assert rho > 0.3
    # People really live where the targets say.
    actual = world.persons.group_by(
        pl.col("room_code").str.slice(0, 12).alias("community_code12")
    ).len()
    joined = c.join(actual, on="community_code12")
    assert (joined["len"] == joined["target_population"]).all()


def test_population_shape_of_a_young_migrant_city(world: World) -> None:
    p = world.persons.with_columns(age=_age())
    hukou = p["hukou"].mean()
    assert 0.12 <= hukou <= 0.16
    over60 = p.select((pl.col("age") >= 60).mean()).item()
    assert 0.035 <= over60 <= 0.055
    working = p.filter(pl.col("age").is_between(20, 59))
    ratio = (
        working.filter(pl.col("sex") == "1").height / working.filter(pl.col("sex") == "2").height
    )
    assert 1.1 <= ratio <= 1.3
    assert p.select((pl.col("ethnicity") == "01").mean()).item() > 0.9
    assert p.filter(pl.col("hukou"))["permit_no"].is_null().all()
    assert p.filter(~pl.col("hukou"))["permit_no"].is_not_null().all()
    assert p["phone"].str.contains(r"^1[3-9]\d{9}$").all()
    assert p["phone"].n_unique() == p.height
    tags = p["tags"].explode().drop_nulls().value_counts()
    assert set(tags["tags"]) >= {"elderly_alone", "disabled", "dibao"}


def test_no_birth_date_piles_up(world: World) -> None:
    """Ages beyond the covered range are folded back, not clipped onto one date: at city
    scale a clipped date held more people of one county and sex than the 499 citizen-ID
    sequence numbers allow (generator.ids.make_citizen_ids)."""
    per_date = world.persons["birth_date"].value_counts()["count"]
    assert per_date.max() <= 8, per_date.max()


def test_names_are_gbk_encodable(world: World) -> None:
    for col in (world.persons["name"], world.entities["name"], world.buildings["address"]):
        "\n".join(col.to_list()).encode("gbk")


def test_identifiers_are_valid_and_unique(world: World) -> None:
    ids = world.persons["id_number"]
    assert ids.n_unique() == ids.len()
    assert all(valid_citizen_id(x) for x in ids)
    # The world as it is: some address codes are younger than their holder or retired,
    # which stdnum refuses (docs/IDENTIFIERS.md); the ingest must load them.
    stdnum_refuses = sum(not ric.is_valid(x) for x in ids)
    assert 0.01 * ids.len() < stdnum_refuses < 0.3 * ids.len()
    provinces = ids.str.slice(0, 2).n_unique()
    assert provinces >= 25  # migrants from all over China
    # Birth date and sex inside the ID agree with the columns.
    assert (ids.str.slice(6, 8) == world.persons["birth_date"].dt.strftime("%Y%m%d")).all()
    male = ids.str.slice(16, 1).cast(pl.Int64) % 2 == 1
    assert ((world.persons["sex"] == "1") == male).all()
    hukou_sz = world.persons.filter(pl.col("hukou") & (pl.col("birth_date").dt.year() >= 1998))
    assert hukou_sz["id_number"].str.starts_with("4403").all()

    ent = world.entities
    assert ent["uscc"].n_unique() == ent.height
    std = ent.filter(~pl.col("uscc").str.starts_with("N"))["uscc"]
    assert all(uscc.is_valid(x) for x in std)
    assert uscc_is_valid(ent["uscc"]).all()


def test_housing_codes_nest_and_points_sit_in_their_grid(world: World) -> None:
    b, r = world.buildings, world.rooms
    assert b["building_code"].n_unique() == b.height
    assert (b["building_code"].str.slice(0, 12) == b["community_code12"]).all()
    assert (b["grid_code"].str.slice(0, 12) == b["community_code12"]).all()
    assert r["room_code"].n_unique() == r.height
    assert r["room_code"].str.contains(r"^\d{25}$").all()
    assert (r["room_code"].str.slice(0, 17) == r["building_code"]).all()
    assert set(r["building_code"]) == set(b["building_code"])
    cells = b.join(world.grids.select("grid_code", "h3_cell"), on="grid_code")
    got = [
        h3.latlng_to_cell(lat, lon, 9) for lat, lon in zip(cells["lat"], cells["lon"], strict=True)
    ]
    assert got == cells["h3_cell"].to_list()
    uv = b.filter(pl.col("building_type") == "urban_village")
    assert uv["floors"].is_between(4, 9).all()
    assert set(b["hazard_grade"]) <= {"A", "B", "C", "D"}
    assert b.select((pl.col("hazard_grade") == "A").mean()).item() > 0.7
    rent = r.join(b.select("building_code", "building_type"), on="building_code")
    rates = rent.group_by("building_type").agg(pl.col("is_rental").mean())
    assert rates.filter(pl.col("building_type") == "urban_village")["is_rental"].item() > 0.8


def test_clean_world_invariants(world: World) -> None:
    p, e, r, b = world.persons, world.entities, world.rooms, world.buildings
    rooms = set(r["room_code"])
    grids = set(world.grids["grid_code"])
    assert set(e["room_code"]) <= rooms
    assert set(p["room_code"]) <= rooms and set(p["grid_code"]) <= grids
    # A person's grid is the grid of the building they live in.
    pb = p.with_columns(building_code=pl.col("room_code").str.slice(0, 17)).join(
        b.select("building_code", gc="grid_code"), on="building_code"
    )
    assert (pb["grid_code"] == pb["gc"]).all()

    active = e.filter(pl.col("status").is_in(ACTIVE))
    per_b = active.group_by(pl.col("room_code").str.slice(0, 17).alias("building_code")).len()
    cap = r.group_by("building_code").agg(n_rooms=pl.len())
    over = per_b.join(cap, on="building_code").filter(pl.col("len") > pl.col("n_rooms"))
    assert over.height == 0

    employers = p["employer_uscc"].drop_nulls()
    assert employers.len() > 0.5 * p.filter(_age().is_between(20, 59)).height
    scjg_active = set(active.filter(pl.col("registry") == "scjg")["uscc"])
    public = employers.filter(~employers.is_in(list(scjg_active)))
    # Employers outside the market register: every other registration authority.
    assert 0.02 * employers.len() < public.len() < 0.1 * employers.len()
    assert set(public.str.slice(0, 1)) == set("12345678ANY") - {"5"}
    assert uscc_is_valid(public.unique()).all()

    assisted = p.filter(
        pl.col("tags").list.contains("dibao") | pl.col("tags").list.contains("tekun")
    )
    assert assisted.height > 0
    assert assisted["employer_uscc"].is_null().all()
    assert assisted["hukou"].all()
    assert not set(assisted["id_number"]) & set(active["legal_rep_id"])
    assert set(e["legal_rep_id"]) <= set(p["id_number"])

    assert (p["birth_date"] < AS_OF).all()
    assert (p["move_in"] > p["birth_date"]).all() and (p["move_in"] < AS_OF).all()
    assert (e["established"] < AS_OF).all()
    closed = e.filter(~pl.col("status").is_in(ACTIVE))
    assert closed["cancelled"].is_not_null().all()
    assert (closed["cancelled"] > closed["established"]).all() and (
        closed["cancelled"] < AS_OF
    ).all()
    assert active["cancelled"].is_null().all()


def test_entities_look_like_baoan(world: World) -> None:
    e = world.entities
    scjg = e.filter(pl.col("registry") == "scjg")
    assert set(scjg["entity_type"]) <= {"企业", "个体工商户", "农民专业合作社"}
    assert scjg["industry_code"].str.contains(r"^[A-T]\d{4}$").all()
    sections = (
        scjg["industry_code"].str.slice(0, 1).value_counts(sort=True)["industry_code"].head(4)
    )
    assert set(sections) <= {"C", "F", "G", "H", "I", "L", "M"}
    assert scjg.select(pl.col("status").is_in(ACTIVE).mean()).item() > 0.75
    mz = e.filter(pl.col("registry") == "mz")
    assert set(mz["entity_type"]) <= {"社会团体", "民办非企业单位", "基金会"}
    assert mz["industry_code"].is_null().all() and mz["scope"].is_not_null().all()
    assert (mz["social_workers"] <= mz["staff"]).all()
    assert set(mz["rating"].drop_nulls()) <= {"1A", "2A", "3A", "4A", "5A"}
    # Premises are mostly non-residential rooms.
    use = e.join(world.rooms.select("room_code", "use"), on="room_code")
    assert use.select((pl.col("use") != "residential").mean()).item() > 0.7


def test_same_seed_same_world_other_seed_other_world(world: World) -> None:
    again = build_world("tiny", 42, AS_OF)
    for name in ("grids", "communities", "buildings", "rooms", "persons", "entities"):
        assert getattr(world, name).equals(getattr(again, name)), name
    other = build_world("tiny", 43, AS_OF)
    assert not other.persons.equals(world.persons)
    assert not other.grids.equals(world.grids)
