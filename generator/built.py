"""Buildings per grid and rooms per building (vectorised)."""

from __future__ import annotations

import h3
import numpy as np
import polars as pl

BUILDING_TYPES = np.array(
    ["urban_village", "commercial", "factory", "dormitory", "public_housing", "office"]
)
# Type mix: Bao'an is more than half urban village (docs/DOMAIN.md).
_TYPE_P = {
    "居委会": np.array([0.56, 0.14, 0.12, 0.07, 0.04, 0.07]),
    "村委会": np.array([0.68, 0.05, 0.15, 0.08, 0.01, 0.03]),
}
_FLOORS = np.array([[4, 9], [10, 35], [1, 6], [4, 8], [15, 33], [8, 40]])
_YEARS = np.array(
    [[1982, 2012], [1995, 2025], [1985, 2020], [1990, 2018], [2005, 2025], [1998, 2025]]
)
_ROOMS_PER_FLOOR = np.array([[2, 4], [4, 8], [1, 2], [6, 12], [4, 8], [2, 6]])
_HAZARD = np.array(["A", "B", "C", "D"])
_HAZARD_P = {True: np.array([0.80, 0.14, 0.05, 0.01]), False: np.array([0.92, 0.06, 0.018, 0.002])}
_ORDINAL = np.array(list("一二三四五六七八九十"))
_ROAD = np.array(["路", "街", "巷", "大道"])

USES = np.array(["residential", "commercial", "industrial", "mixed"])
# P(use) for ground floor / upper floors, per building type (order of USES).
_USE_GROUND = np.array(
    [
        [0.40, 0.40, 0.00, 0.20],
        [0.40, 0.60, 0.0, 0.0],
        [0.0, 0.0, 0.9, 0.1],
        [0.9, 0.1, 0.0, 0.0],
        [0.7, 0.3, 0.0, 0.0],
        [0.0, 0.9, 0.0, 0.1],
    ]
)
_USE_UPPER = np.array(
    [
        [0.97, 0.0, 0.0, 0.03],
        [0.98, 0.02, 0.0, 0.0],
        [0.05, 0.0, 0.9, 0.05],
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.85, 0.0, 0.15],
    ]
)
_RENTAL_P = np.array([0.92, 0.40, 0.55, 0.95, 0.70, 0.60])
# Room areas (m2): lognormal median per building type for living / other rooms.
_AREA_LIVING = np.array([25.0, 90.0, 30.0, 25.0, 65.0, 60.0])
_AREA_OTHER = np.array([40.0, 80.0, 600.0, 40.0, 60.0, 150.0])


def _sample_rows(p: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each i, a category index drawn from distribution p[rows[i]]."""
    cum = np.cumsum(p, axis=1)[rows]
    return (rng.random(len(rows))[:, None] > cum).sum(axis=1).clip(0, p.shape[1] - 1)


def _largest_remainder(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    share = weights / weights.sum() * max(total - minimum * len(weights), 0)
    out = np.floor(share).astype(np.int64)
    out[np.argsort(-(share - out))[: round(float(share.sum())) - int(out.sum())]] += 1
    return out + minimum


def build_buildings(
    communities: pl.DataFrame,
    grids: pl.DataFrame,
    streets: pl.DataFrame,
    n_buildings: int,
    min_per_community: int,
    as_of_year: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Buildings spread over each community's grids, count following population."""
    comms = communities.sort("community_code12")
    per_comm = _largest_remainder(
        comms["target_population"].to_numpy().astype(float), n_buildings, min_per_community
    )
    ci = np.repeat(np.arange(comms.height), per_comm)
    seq = np.arange(len(ci)) - np.repeat(np.cumsum(per_comm) - per_comm, per_comm)

    kind = comms["kind"].to_numpy()[ci]
    type_p = np.stack([_TYPE_P[k] for k in ("居委会", "村委会")])
    btype = _sample_rows(type_p, (kind == "村委会").astype(np.int64), rng)
    btype[seq == 0] = 0  # every community has homes: its first building is an urban village

    # Grid: uniform among the community's grids (grids are sorted by community).
    g = grids.sort("grid_code")
    gcomm = g["community_code12"].to_numpy()
    starts = np.searchsorted(gcomm, comms["community_code12"].to_numpy())
    counts = comms["n_grids"].to_numpy()
    gi = starts[ci] + (rng.random(len(ci)) * counts[ci]).astype(np.int64)

    # Jitter inside the hexagon's inscribed circle so the point stays in its cell.
    r_m = (
        0.8
        * h3.average_hexagon_edge_length(9, unit="m")
        * np.sqrt(3)
        / 2
        * np.sqrt(rng.random(len(ci)))
    )
    theta = rng.uniform(0, 2 * np.pi, len(ci))
    lat0, lon0 = g["lat"].to_numpy()[gi], g["lon"].to_numpy()[gi]
    lat = lat0 + r_m * np.sin(theta) / 111_320.0
    lon = lon0 + r_m * np.cos(theta) / (111_320.0 * np.cos(np.radians(lat0)))

    lo, hi = _FLOORS[btype, 0], _FLOORS[btype, 1]
    floors = lo + (rng.random(len(ci)) * (hi - lo + 1)).astype(np.int64)
    ylo, yhi = _YEARS[btype, 0], np.minimum(_YEARS[btype, 1], as_of_year)
    year = ylo + (rng.random(len(ci)) * (yhi - ylo + 1)).astype(np.int64)
    uv = btype == 0
    hz = _sample_rows(np.stack([_HAZARD_P[False], _HAZARD_P[True]]), uv.astype(np.int64), rng)

    road = np.char.add(_ORDINAL[rng.integers(0, 10, len(ci))], _ROAD[rng.integers(0, 4, len(ci))])
    frame = pl.DataFrame(
        {
            "community_code12": comms["community_code12"].to_numpy()[ci],
            "seq": seq + 1,
            "grid_code": g["grid_code"].to_numpy()[gi],
            "lon": lon,
            "lat": lat,
            "building_type": BUILDING_TYPES[btype],
            "floors": floors,
            "year_built": year,
            "hazard_grade": _HAZARD[hz],
            "_road": road,
            "_no": rng.integers(1, 300, len(ci)),
        }
    )
    names = comms.select(
        "community_code12",
        _short=pl.col("community_name").str.replace(r"(社区)?(居委会|村委会)$", ""),
        street_code12="street_code12",
    ).join(streets.select("street_code12", "street_name", "district_name"), on="street_code12")
    return (
        frame.join(names, on="community_code12", how="left")
        .with_columns(
            building_code=pl.col("community_code12") + pl.col("seq").cast(pl.String).str.zfill(5),
            address=pl.concat_str(
                "district_name",
                "street_name",
                "_short",
                pl.lit("社区"),
                pl.col("_short").str.slice(0, 2),
                "_road",
                pl.col("_no").cast(pl.String),
                pl.lit("号"),
                # Urban-village buildings are numbered inside the village lane as well.
                pl.when(pl.col("building_type") == "urban_village")
                .then(pl.lit("之") + pl.col("seq").cast(pl.String))
                .otherwise(pl.lit("")),
            ),
        )
        .select(
            "building_code",
            "community_code12",
            "grid_code",
            "address",
            "lon",
            "lat",
            "building_type",
            "floors",
            "year_built",
            "hazard_grade",
        )
    )


def build_rooms(buildings: pl.DataFrame, n_rooms: int, rng: np.random.Generator) -> pl.DataFrame:
    """Rooms = floors x rooms per floor, scaled so the total lands near ``n_rooms``."""
    btype = (
        buildings["building_type"]
        .replace_strict({t: i for i, t in enumerate(BUILDING_TYPES)}, return_dtype=pl.Int64)
        .to_numpy()
    )
    floors = buildings["floors"].to_numpy()
    lo, hi = _ROOMS_PER_FLOOR[btype, 0], _ROOMS_PER_FLOOR[btype, 1]
    rpf = lo + rng.random(len(btype)) * (hi - lo + 1)
    factor = n_rooms / float((floors * rpf).sum())
    rpf = np.maximum(1, np.floor(rpf * factor + rng.random(len(btype)))).astype(np.int64)
    per_b = floors * rpf

    bi = np.repeat(np.arange(len(btype)), per_b)
    within = np.arange(len(bi)) - np.repeat(np.cumsum(per_b) - per_b, per_b)
    floor = within // rpf[bi] + 1
    idx = within % rpf[bi]
    # Big towers have several entrances (units) with up to 6 rooms a floor each.
    entrance = np.where(rpf[bi] > 6, idx // 6 + 1, 1)
    room_no = np.where(rpf[bi] > 6, idx % 6 + 1, idx + 1)
    tb = btype[bi]
    use_p = np.where((floor == 1)[:, None], _USE_GROUND[tb], _USE_UPPER[tb])
    use = (rng.random(len(bi))[:, None] > np.cumsum(use_p, axis=1)).sum(axis=1).clip(0, 3)
    living = (use == 0) | (use == 3)
    median = np.where(living, _AREA_LIVING[tb], _AREA_OTHER[tb])
    area = np.round(median * rng.lognormal(0.0, 0.3, len(bi)), 1)
    rental = rng.random(len(bi)) < np.where(living, _RENTAL_P[tb], 0.6)

    codes = buildings["building_code"].gather(bi)
    return pl.DataFrame(
        {
            "building_code": codes,
            "_e": entrance,
            "floor": floor.astype(np.int64),
            "_r": room_no,
            "area_m2": area,
            "use": pl.Series(USES).gather(use),
            "is_rental": rental,
        }
    ).select(
        room_code=pl.col("building_code")
        + pl.col("_e").cast(pl.String).str.zfill(2)
        + pl.col("floor").cast(pl.String).str.zfill(3)
        + pl.col("_r").cast(pl.String).str.zfill(3),
        building_code="building_code",
        floor="floor",
        area_m2="area_m2",
        use="use",
        is_rental="is_rental",
    )
