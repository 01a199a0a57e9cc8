"""Geography: real NBS streets and communities, grids as H3 cells in the real boundary.

Real grid polygons are not public, so grids are H3 resolution-9 cells inside the
district boundary, grown into contiguous streets and then contiguous communities
(region growing over the H3 neighbour graph). Not a hot path: ~4k cells a district.
"""

from __future__ import annotations

import heapq
import json
from collections import deque
from pathlib import Path

import h3
import numpy as np
import polars as pl

H3_RES = 9
_DIV_SCHEMA = {
    "level": pl.String,
    "code12": pl.String,
    "name": pl.String,
    "parent_code12": pl.String,
}

# Approximate street centres (lon, lat) so Bao'an's streets sit roughly where the
# real ones are (新安 south, 松岗/燕罗 north-west, 石岩 east); the airport unit
# sits on the coast. Other districts get spread-out seeds instead.
_STREET_ANCHORS = {
    "440306017000": (113.885, 22.565),
    "440306018000": (113.870, 22.600),
    "440306019000": (113.845, 22.625),
    "440306020000": (113.830, 22.670),
    "440306021000": (113.800, 22.690),
    "440306022000": (113.815, 22.735),
    "440306023000": (113.840, 22.735),
    "440306024000": (113.860, 22.775),
    "440306025000": (113.885, 22.795),
    "440306026000": (113.930, 22.680),
    "440306400000": (113.810, 22.635),
}
# The airport unit is one virtual community: keep it a modest block of cells.
_SMALL_UNIT_CELLS = 80


def load_divisions(reference_dir: Path) -> pl.DataFrame:
    """The NBS division table (all codes as strings)."""
    return pl.read_csv(reference_dir / "admin_divisions_shenzhen.csv", schema=_DIV_SCHEMA)


def district_cells(reference_dir: Path, district6: str) -> list[str]:
    """H3 cells inside the district boundary, largest connected piece only.

    Islands of a few cells cannot join a contiguous community, so they are left
    out (Bao'an: 3,957 cells, 4 of them in two islets).
    """
    path = reference_dir / (
        "boundary_baoan_440306.geojson"
        if district6 == "440306"
        else "boundary_shenzhen_districts_440300.geojson"
    )
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    geom = next(f["geometry"] for f in features if str(f["properties"]["adcode"]) == district6)
    cells = set(h3.geo_to_cells(geom, H3_RES))
    best: list[str] = []
    seen: set[str] = set()
    for start in sorted(cells):
        if start in seen:
            continue
        comp, stack = [start], [start]
        seen.add(start)
        while stack:
            for nb in h3.grid_ring(stack.pop(), 1):
                if nb in cells and nb not in seen:
                    seen.add(nb)
                    comp.append(nb)
                    stack.append(nb)
        if len(comp) > len(best):
            best = comp
    return sorted(best)


def grow_regions(
    cells: list[str], seeds: list[str], targets: np.ndarray, rng: np.random.Generator
) -> dict[str, int]:
    """Assign every cell to a region grown breadth-first from its seed.

    The region furthest below its target size grows next, so sizes follow the
    targets while each region stays connected. Cells are all reachable because
    ``cells`` is one connected piece.
    """
    cellset = set(cells)
    owner: dict[str, int] = {}
    queues: list[deque[str]] = []
    sizes = np.zeros(len(seeds), dtype=np.int64)
    heap: list[tuple[float, float, int]] = []
    for i, seed in enumerate(seeds):
        owner[seed] = i
        sizes[i] = 1
        queues.append(deque(h3.grid_ring(seed, 1)))
        heapq.heappush(heap, (1.0 / targets[i], rng.random(), i))
    while heap and len(owner) < len(cellset):
        _, _, i = heapq.heappop(heap)
        q = queues[i]
        while q and (q[0] not in cellset or q[0] in owner):
            q.popleft()
        if not q:
            continue  # boxed in: this region stops growing
        cell = q.popleft()
        owner[cell] = i
        sizes[i] += 1
        q.extend(h3.grid_ring(cell, 1))
        heapq.heappush(heap, (sizes[i] / targets[i], rng.random(), i))
    return owner


def _spread_seeds(cells: list[str], k: int, rng: np.random.Generator) -> list[str]:
    """k cells far apart (farthest-point sampling on centroids)."""
    ll = np.array([h3.cell_to_latlng(c) for c in cells])
    chosen = [int(rng.integers(len(cells)))]
    dist = np.full(len(cells), np.inf)
    for _ in range(k - 1):
        dist = np.minimum(dist, ((ll - ll[chosen[-1]]) ** 2).sum(axis=1))
        chosen.append(int(np.argmax(dist)))
    return [cells[i] for i in chosen]


def _street_seeds(cells: list[str], street_codes: list[str], rng: np.random.Generator) -> list[str]:
    if all(code in _STREET_ANCHORS for code in street_codes):
        ll = np.array([h3.cell_to_latlng(c) for c in cells])
        seeds: list[str] = []
        for code in street_codes:
            lon, lat = _STREET_ANCHORS[code]
            order = np.argsort((ll[:, 0] - lat) ** 2 + (ll[:, 1] - lon) ** 2)
            seeds.append(next(cells[j] for j in order if cells[j] not in seeds))
        return seeds
    return _spread_seeds(cells, len(street_codes), rng)


def _community_targets(n_cells: int, n_comm: int, rng: np.random.Generator) -> np.ndarray:
    """Very unequal community sizes in cells (2 to ~120 at Bao'an density)."""
    w = rng.lognormal(0.0, 0.8, n_comm)
    return np.clip(w / w.sum() * n_cells, 2.0, 120.0)


def _district_geography(
    reference_dir: Path, divisions: pl.DataFrame, district6: str, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Streets and per-cell community assignment for one district."""
    d12 = district6 + "000000"
    dname = divisions.filter(pl.col("code12") == d12)["name"].item()
    streets = divisions.filter(
        (pl.col("level") == "street") & (pl.col("parent_code12") == d12)
    ).sort("code12")
    comms = divisions.filter(
        (pl.col("level") == "community")
        & pl.col("parent_code12").is_in(streets["code12"].implode())
    ).sort("code12")
    streets = streets.filter(pl.col("code12").is_in(comms["parent_code12"].implode()))
    street_codes = streets["code12"].to_list()
    n_comm_per_street = (
        comms.group_by("parent_code12").len().sort("parent_code12")["len"].to_numpy()
    )
    cells = district_cells(reference_dir, district6)
    # Street sizes follow their number of communities; one-community units
    # (the airport) are kept small.
    tgt = n_comm_per_street.astype(float) * rng.uniform(0.8, 1.25, len(street_codes))
    tgt = tgt / tgt.sum() * len(cells)
    tgt = np.where(
        n_comm_per_street == 1, min(_SMALL_UNIT_CELLS, len(cells) / len(street_codes)), tgt
    )
    street_owner = grow_regions(cells, _street_seeds(cells, street_codes, rng), tgt, rng)

    rows: list[tuple[str, str]] = []
    for si, scode in enumerate(street_codes):
        s_cells = sorted(c for c, o in street_owner.items() if o == si)
        c_codes = comms.filter(pl.col("parent_code12") == scode)["code12"].to_list()
        k = min(len(c_codes), len(s_cells))
        seeds = [s_cells[j] for j in rng.choice(len(s_cells), size=k, replace=False)]
        c_owner = grow_regions(s_cells, seeds, _community_targets(len(s_cells), k, rng), rng)
        rows.extend((cell, c_codes[o]) for cell, o in c_owner.items())
    cell_comm = pl.DataFrame(
        rows, schema={"h3_cell": pl.String, "community_code12": pl.String}, orient="row"
    )
    streets_df = pl.DataFrame(
        {
            "street_code12": street_codes,
            "street_name": streets["name"].to_list(),
            "district_code12": [d12] * len(street_codes),
            "district_name": [dname] * len(street_codes),
        }
    )
    return streets_df, cell_comm


def _community_population(
    n_grids: np.ndarray, total: int, lo: int, hi: int, rng: np.random.Generator
) -> np.ndarray:
    """Skewed populations correlated with area, within [lo, hi], summing to total."""
    raw = np.exp(0.7 * np.log(n_grids) + rng.normal(0.0, 0.6, len(n_grids)))
    pop = raw / raw.sum() * total
    for _ in range(50):  # clip-and-renormalise converges in a few rounds
        pop = np.clip(pop, lo, hi)
        free = (pop > lo) & (pop < hi)
        gap = total - pop.sum()
        if abs(gap) < 1 or not free.any():
            break
        pop[free] += gap * pop[free] / pop[free].sum()
    out = np.floor(pop).astype(np.int64)
    out[np.argsort(-(pop - out))[: max(0, total - int(out.sum()))]] += 1
    return out


def build_geography(
    reference_dir: Path,
    district_codes: tuple[str, ...],
    total_population: int,
    pop_bounds: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(streets, communities, grids) frames as documented on ``World``."""
    divisions = load_divisions(reference_dir)
    parts = [_district_geography(reference_dir, divisions, d, rng) for d in district_codes]
    streets = pl.concat([p[0] for p in parts])
    cell_comm = pl.concat([p[1] for p in parts])

    latlng = np.array([h3.cell_to_latlng(c) for c in cell_comm["h3_cell"]])
    area = np.array([h3.cell_area(c, unit="km^2") for c in cell_comm["h3_cell"]])
    grids = (
        cell_comm.with_columns(
            lon=pl.Series(latlng[:, 1]), lat=pl.Series(latlng[:, 0]), area_km2=pl.Series(area)
        )
        # Number grids north-west to south-east inside each community.
        .sort(["community_code12", pl.col("lat").round(3), "lon"], descending=[False, True, False])
        .with_columns(
            grid_code=pl.col("community_code12")
            + (pl.int_range(pl.len()).over("community_code12") + 1).cast(pl.String).str.zfill(3)
        )
        .select("grid_code", "community_code12", "h3_cell", "lon", "lat", "area_km2")
    )
    per_comm = grids.group_by("community_code12").agg(
        n_grids=pl.len(), area_km2=pl.col("area_km2").sum()
    )
    comms = (
        divisions.filter(pl.col("level") == "community")
        .join(per_comm, left_on="code12", right_on="community_code12", how="inner")
        .sort("code12")
        .select(
            community_code12="code12",
            community_name="name",
            street_code12="parent_code12",
            district_code12=pl.col("code12").str.slice(0, 6) + "000000",
            # NBS community segment: 001-199 residents' committee, 200-399 village committee.
            kind=pl.when(pl.col("code12").str.slice(9, 3).cast(pl.Int32).is_between(200, 399))
            .then(pl.lit("村委会"))
            .otherwise(pl.lit("居委会")),
            n_grids=pl.col("n_grids").cast(pl.Int64),
            area_km2="area_km2",
        )
    )
    pop = _community_population(comms["n_grids"].to_numpy(), total_population, *pop_bounds, rng)
    comms = comms.with_columns(target_population=pl.Series(pop, dtype=pl.Int64))
    return streets, comms, grids
