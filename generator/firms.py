"""Legal entities: market entities (scjg) and social organisations (mz)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from generator import names
from generator.ids import make_usccs

_DATA = Path(__file__).resolve().parent / "data"
USCC_REFORM = np.datetime64(
    "2015-10-01", "D"
)  # new entities get 'MA…' organisation codes after this

_SCJG_TYPES = np.array(["企业", "个体工商户", "农民专业合作社"])
_SCJG_P = np.array([0.62, 0.3775, 0.0025])  # Shenzhen: ~62% enterprises among market entities
_SCJG_PREFIX = np.array(["91", "92", "93"])
_MZ_TYPES = np.array(["社会团体", "民办非企业单位", "基金会"])
_MZ_P = np.array([0.38, 0.58, 0.04])
_MZ_PREFIX = np.array(["51", "52", "53"])
_STATUS = np.array(["存续", "注销", "吊销", "迁出"])
_STATUS_P = np.array([0.85, 0.10, 0.04, 0.01])
_RATING = np.array(["1A", "2A", "3A", "4A", "5A"])
# Where entities sit: weight of a room of each use for active entities.
_PREMISES_W = {"commercial": 10.0, "industrial": 10.0, "mixed": 6.0, "residential": 0.15}
ACTIVE = ("存续", "在业")
# Village collectives (股份合作公司 roots) carry agriculture-authority 'N2' codes.
VILLAGE_COLLECTIVE_SHARE = 0.0005


def load_industries() -> pl.DataFrame:
    """GB/T 4754-2017 classes with relative frequencies per entity type."""
    return pl.read_csv(
        _DATA / "industries.csv",
        schema={
            "code": pl.String,
            "name": pl.String,
            "w_enterprise": pl.Float64,
            "w_individual": pl.Float64,
            "w_coop": pl.Float64,
        },
    )


def _dates_before(
    as_of: np.datetime64, mean_years: np.ndarray, floor: str, rng: np.random.Generator
) -> np.ndarray:
    days = (rng.exponential(1.0, len(mean_years)) * mean_years * 365.2425).astype(np.int64)
    return np.maximum(as_of - np.maximum(days, 1), np.datetime64(floor, "D"))


def _premises(rooms: pl.DataFrame, active: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Room index per entity; active ones never share a room.

    Weighted sampling without replacement (Efraimidis-Spirakis keys) keeps at
    most one active entity per room, so no building has more active entities
    than rooms; closed entities may sit anywhere.
    """
    w = rooms["use"].replace_strict(_PREMISES_W, return_dtype=pl.Float64).to_numpy()
    n_act = int(active.sum())
    if n_act > len(w):
        raise ValueError("more active entities than rooms")
    keys = np.log(rng.random(len(w))) / w
    top = np.argpartition(-keys, n_act - 1)[:n_act] if n_act else np.array([], dtype=np.int64)
    out = np.empty(len(active), dtype=np.int64)
    out[active] = rng.permutation(top)
    out[~active] = rng.choice(len(w), int((~active).sum()), p=w / w.sum())
    return out


def build_entities(
    n_scjg: int,
    n_mz: int,
    persons: pl.DataFrame,
    buildings: pl.DataFrame,
    rooms: pl.DataFrame,
    as_of: date,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Entities as documented on ``World.entities``."""
    as_of_d = np.datetime64(as_of, "D")
    n = n_scjg + n_mz
    is_mz = np.r_[np.zeros(n_scjg, bool), np.ones(n_mz, bool)]
    t_scjg = rng.choice(3, n_scjg, p=_SCJG_P)
    t_mz = rng.choice(3, n_mz, p=_MZ_P)
    etype = np.r_[_SCJG_TYPES[t_scjg], _MZ_TYPES[t_mz]]
    prefix = np.r_[_SCJG_PREFIX[t_scjg], _MZ_PREFIX[t_mz]]
    prefix[:n_scjg][
        (t_scjg == 0) & (rng.random(n_scjg) < VILLAGE_COLLECTIVE_SHARE / _SCJG_P[0])
    ] = "N2"

    mean_age = np.where(is_mz, 8.0, np.where(etype == "个体工商户", 4.0, 6.0))
    established = _dates_before(as_of_d, mean_age, "1985-01-01", rng)
    status_i = rng.choice(4, n, p=_STATUS_P)
    status = _STATUS[status_i]
    # Sole traders are "in business" (在业) rather than "existing" (存续).
    status = np.where((status == "存续") & (etype == "个体工商户"), "在业", status)
    status = np.where(is_mz & (status != "存续"), "注销", status)
    active = np.isin(status, ACTIVE)
    life = (as_of_d - established).astype(np.int64)
    cancelled = established + np.maximum(
        1, (rng.random(n) * np.maximum(life - 1, 1)).astype(np.int64)
    )
    cancelled = np.where(active, np.datetime64("NaT"), np.minimum(cancelled, as_of_d - 1))

    room_idx = _premises(rooms, active, rng)
    rsel = rooms.select("room_code", "building_code", "floor")[room_idx]
    division = rsel["room_code"].str.slice(0, 6)
    usccs = make_usccs(pl.Series(prefix), division, established >= USCC_REFORM, rng)

    # Legal representatives: adults who receive no social assistance (the
    # cross-check "assistance recipient runs a company" is planted, not natural).
    age = (as_of_d - persons["birth_date"].to_numpy().astype("datetime64[D]")).astype(
        np.int64
    ) / 365.2425
    assisted = (
        persons["tags"].list.contains("dibao") | persons["tags"].list.contains("tekun")
    ).to_numpy()
    eligible = np.flatnonzero((age >= 22) & ~assisted)
    rep = eligible[rng.integers(0, len(eligible), n)]

    ind = load_industries()
    wcol = np.where(etype == "个体工商户", 1, np.where(etype == "农民专业合作社", 2, 0))
    industry = np.full(n, "", dtype="U5")
    for k, col in enumerate(("w_enterprise", "w_individual", "w_coop")):
        sel = np.flatnonzero(~is_mz & (wcol == k))
        wv = ind[col].to_numpy()
        industry[sel] = ind["code"].to_numpy()[rng.choice(ind.height, len(sel), p=wv / wv.sum())]

    capital_median = np.select(
        [is_mz, etype == "个体工商户", etype == "农民专业合作社"], [30.0, 3.0, 50.0], 100.0
    )
    capital = np.round(capital_median * rng.lognormal(0, 1.0, n), 2)
    emp_median = np.select(
        [is_mz, etype == "个体工商户", etype == "农民专业合作社"], [6.0, 2.0, 8.0], 8.0
    )
    employees = np.clip(np.round(emp_median * rng.lognormal(0, 1.0, n)), 1, 20_000).astype(np.int64)

    trade = names.trade_names(n, rng)
    scjg_name = np.select(
        [etype == "个体工商户", etype == "农民专业合作社"],
        [
            np.char.add(np.char.add("宝安区", trade), names.choose(names.SHOP_SUFFIX, n, rng)),
            np.char.add(trade, "农民专业合作社"),
        ],
        np.char.add(np.char.add("深圳市", trade), names.choose(names.ENTERPRISE_SUFFIX, n, rng)),
    )
    mz_kind = np.select(
        [etype == t for t in _MZ_TYPES],
        [names.choose(names.SOCIAL_ORG_KIND[t], n, rng) for t in _MZ_TYPES],
        "",
    )
    mz_scope = np.select(
        [etype == t for t in _MZ_TYPES],
        [names.choose(names.SOCIAL_ORG_SCOPE[t], n, rng) for t in _MZ_TYPES],
        "",
    )
    name = np.where(is_mz, np.char.add(np.char.add("深圳市宝安区", trade), mz_kind), scjg_name)

    staff = np.clip(np.round(5 * rng.lognormal(0, 0.8, n)), 1, 300).astype(np.int64)
    social_workers = np.minimum(
        staff, rng.binomial(staff, np.where(etype == "民办非企业单位", 0.35, 0.08))
    )
    rated = rng.random(n) < 0.35
    rating = np.where(rated, _RATING[rng.choice(5, n, p=[0.05, 0.2, 0.45, 0.22, 0.08])], "")

    reps = persons.select("id_number", "name")[rep]
    baddr = buildings.select("building_code", "address")
    frame = pl.DataFrame(
        {
            "uscc": usccs,
            "name": name,
            "registry": np.where(is_mz, "mz", "scjg"),
            "entity_type": etype,
            "legal_rep_id": reps["id_number"],
            "legal_rep_name": reps["name"],
            "room_code": rsel["room_code"],
            "building_code": rsel["building_code"],
            "_room_label": (
                rsel["floor"] * 100 + rsel["room_code"].str.slice(22, 3).cast(pl.Int64)
            ).cast(pl.String),
            "industry_code": industry,
            "status": status,
            "established": established,
            "cancelled": cancelled,
            "capital_wan": capital,
            "employees": np.where(is_mz, staff, employees),
            "scope": mz_scope,
            "rating": rating,
            "staff": staff,
            "social_workers": social_workers,
        }
    )
    mz = pl.col("registry") == "mz"
    frame = frame.with_columns(
        industry_code=pl.when(mz).then(None).otherwise(pl.col("industry_code")),
        scope=pl.when(mz).then(pl.col("scope")),
        rating=pl.when(mz & (pl.col("rating") != "")).then(pl.col("rating")),
        staff=pl.when(mz).then(pl.col("staff")),
        social_workers=pl.when(mz).then(pl.col("social_workers")),
    )
    return (
        frame.join(baddr, on="building_code", how="left", maintain_order="left")
        .with_columns(address=pl.col("address") + pl.col("_room_label") + pl.lit("室"))
        .select(
            "uscc",
            "name",
            "registry",
            "entity_type",
            "legal_rep_id",
            "legal_rep_name",
            "room_code",
            "address",
            "industry_code",
            "status",
            "established",
            "cancelled",
            "capital_wan",
            "employees",
            "scope",
            "rating",
            "staff",
            "social_workers",
        )
    )
