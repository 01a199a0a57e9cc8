"""Persons: who lives where, with identity, age, hukou and special-group tags."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from generator.ids import (
    first_occurrence,
    load_address_codes,
    load_gbt2260_counties,
    make_citizen_ids,
    make_usccs,
    sorted_unique,
)
from generator.names import person_names

# A young migrant city: peak 20-40, ~4.4% aged 60+ (Bao'an 2020: 237k of 5.53M).
_AGE_BANDS = np.array([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85])
_AGE_W = np.array(
    [6.0, 5.5, 4.5, 4.0, 10, 14, 15, 12, 9, 7, 5, 3.4, 1.9, 1.2, 0.6, 0.35, 0.2, 0.15]
)
MIN_BIRTH = date(1940, 1, 1)  # the county-code table covers births from 1940
HUKOU_SHARE = 0.1386
_PROVINCE_W = {
    "guangdong": 0.30,
    "hunan": 0.18,
    "guangxi": 0.16,
    "sichuan": 0.08,
    "henan": 0.10,
    "jiangxi": 0.08,
    "hubei": 0.10,
}
_ETHNIC = np.array(["01", "08", "15", "06", "13", "12", "03", "11"])
_ETHNIC_P = np.array([0.95, 0.02, 0.01, 0.006, 0.004, 0.004, 0.003, 0.003])
_PHONE_PREFIX = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        170,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        191,
        198,
        199,
    ]
)
# Crowding weight of a living room by building type (people per room, relative).
_CROWD = {
    "urban_village": 3.0,
    "commercial": 2.2,
    "factory": 2.0,
    "dormitory": 6.0,
    "public_housing": 2.6,
    "office": 1.2,
}


def _address_codes(
    birth_year: np.ndarray, hukou: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A real county code valid in each person's birth year.

    Hukou residents carry a Shenzhen district code when one existed in their
    birth year; older ones (and all migrants) keep their home county's code.
    """
    table = load_address_codes()
    codes = table["code"].to_numpy()
    code_ints = table["code"].cast(pl.Int64).to_numpy()
    prov = table["province"].to_numpy()
    lo, hi = table["from_year"].to_numpy(), table["to_year"].to_numpy()
    base_w = np.where(codes == "440306", 5.0, 1.0) * (prov == "shenzhen")
    base_w = base_w + np.array([_PROVINCE_W.get(p, 0.0) for p in prov])
    out = np.empty(len(birth_year), dtype=np.int64)
    for year in sorted_unique(birth_year):
        valid = (lo <= year) & (hi >= year)
        for is_sz in (True, False):
            sel = np.flatnonzero((birth_year == year) & (hukou == is_sz))
            if not len(sel):
                continue
            pool = valid & (prov == "shenzhen") if is_sz else np.zeros_like(valid)
            if not pool.any():
                pool = valid & (prov != "shenzhen")
            w = base_w * pool
            # Spread a province's weight over its codes valid that year.
            for p in np.unique(prov[pool]):
                m = pool & (prov == p)
                w[m] /= m.sum() if p != "shenzhen" else 1.0
            out[sel] = code_ints[rng.choice(len(codes), len(sel), p=w / w.sum())]
    return _renumbered(out, birth_year, hukou, rng)


# Before 1999 people who moved their hukou were often given a new number in the new
# county: the address code is where the number was assigned, not where they were born
# (GB 11643-1999 §4 and the public-security practice before it). So real IDs carry
# codes newer than the birth year (a Bao'an code, 1992, on someone born in 1975) and
# codes retired since (412723 Shangshui, to 2000). Shares of the population:
RENUMBERED_HUKOU_SHARE = 0.5  # hukou residents born before their district code existed
NATIONWIDE_MIGRANT_SHARE = 0.2  # migrants with a code from anywhere in China


def _renumbered(
    out: np.ndarray, birth_year: np.ndarray, hukou: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Give some people the code of a county where they were numbered later in life."""
    national = load_gbt2260_counties()
    n_codes = national.height
    nat_codes = national["code"].cast(pl.Int64).to_numpy()
    nat_to = national["to_year"].to_numpy()
    # Migrants: any county code in use at or after their birth (newer or since retired).
    mig = np.flatnonzero(~hukou & (rng.random(len(out)) < NATIONWIDE_MIGRANT_SHARE))
    pick = rng.integers(0, n_codes, len(mig))
    ok = nat_to[pick] >= birth_year[mig]
    out[mig[ok]] = nat_codes[pick[ok]]
    # Shenzhen hukou residents born before 1992: renumbered with today's district code.
    old = np.flatnonzero(
        hukou & (birth_year < 1992) & (rng.random(len(out)) < RENUMBERED_HUKOU_SHARE)
    )
    out[old] = np.where(rng.random(len(old)) < 0.7, 440306, 440307)
    return out


def _unique_phones(n: int, rng: np.random.Generator) -> pl.Series:
    body = rng.integers(0, 10**8, n)
    pref = _PHONE_PREFIX[rng.integers(0, len(_PHONE_PREFIX), n)]
    num = pref.astype(np.int64) * 10**8 + body
    dup = np.flatnonzero(~first_occurrence(num))
    while len(dup):  # a few thousand at 5M of 3.8e9 numbers; re-draw the repeats
        num[dup] = pref[dup].astype(np.int64) * 10**8 + rng.integers(0, 10**8, len(dup))
        dup = np.flatnonzero(~first_occurrence(num))
    return pl.Series(num).cast(pl.String)


def _place(
    communities: pl.DataFrame,
    rooms: pl.DataFrame,
    buildings: pl.DataFrame,
    rng: np.random.Generator,
):
    """Room index (into ``rooms``) for every person, community by community."""
    comms = communities.sort("community_code12")
    per_comm = comms["target_population"].to_numpy()
    b = buildings.select("building_code", "building_type")
    r = (
        rooms.with_row_index("_ri")
        .join(b, on="building_code", how="left")
        .with_columns(_cc=pl.col("room_code").str.slice(0, 12))
    )
    living = r.filter(pl.col("use").is_in(["residential", "mixed"])).sort("_cc", "_ri")
    w = living["building_type"].replace_strict(_CROWD, return_dtype=pl.Float64).to_numpy()
    w = w * rng.gamma(2.0, 0.5, len(w))  # uneven crowding: some rooms badly overcrowded
    cum = np.cumsum(w)
    lcc = living["_cc"].to_numpy()
    cc = comms["community_code12"].to_numpy()
    start, end = np.searchsorted(lcc, cc, "left"), np.searchsorted(lcc, cc, "right")
    if np.any(end <= start):
        raise ValueError("a community has no living rooms")
    lo = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    hi = cum[end - 1]
    ci = np.repeat(np.arange(len(cc)), per_comm)
    u = lo[ci] + rng.random(len(ci)) * (hi[ci] - lo[ci])
    j = np.clip(np.searchsorted(cum, u, side="right"), start[ci], end[ci] - 1)
    return living["_ri"].to_numpy()[j]


def build_persons(
    communities: pl.DataFrame,
    buildings: pl.DataFrame,
    rooms: pl.DataFrame,
    as_of: date,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Persons without employers (``assign_employers`` adds them)."""
    room_idx = _place(communities, rooms, buildings, rng)
    n = len(room_idx)
    as_of_d = np.datetime64(as_of, "D")

    band = rng.choice(len(_AGE_BANDS), n, p=_AGE_W / _AGE_W.sum())
    age_days = ((_AGE_BANDS[band] + rng.random(n) * 5) * 365.2425).astype(np.int64)
    max_days = (as_of_d - np.datetime64(MIN_BIRTH, "D")).astype(np.int64)
    # Ages outside [30 days, MIN_BIRTH] are folded back inside, not clipped: clipping
    # gave thousands of people one birth date (1940-01-01, or 30 days before the
    # as-of date), and at city scale more than the 499 citizen-ID sequence numbers
    # per county, day and sex allow. Folding draws nothing, so everyone else keeps
    # the same random draws.
    age_days = np.where(age_days < 30, 60 - age_days, age_days)
    age_days = np.where(age_days > max_days, max_days - (age_days - max_days) % 1826, age_days)
    birth = as_of_d - age_days
    age = age_days / 365.2425
    working = (age >= 20) & (age < 60)
    male = rng.random(n) < np.where(working, 0.545, 0.51)  # ~1.2 men per woman of working age
    # Children and the old are more often hukou than young migrant workers.
    hukou = rng.random(n) < HUKOU_SHARE * np.where(working, 0.85, 1.35)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    addr = _address_codes(birth_year, hukou, rng)
    ids = make_citizen_ids(addr, birth, male, rng)

    # Migrants arrived recently; hukou residents have lived here for long.
    stay = np.where(hukou, rng.uniform(0, 25, n), rng.exponential(3.0, n)) * 365.2425
    move_in = np.minimum(np.maximum(as_of_d - stay.astype(np.int64), birth + 1), as_of_d - 1)

    # Residence permits are issued by the district of residence since 2008.
    issue_year = np.maximum(move_in.astype("datetime64[Y]").astype(np.int64) + 1970, 2008) % 100
    permit_tail = pl.Series(issue_year * 10**8 + rng.permutation(n)).cast(pl.String).str.zfill(10)

    rr = rooms.select("room_code", "building_code")[room_idx]
    bxy = buildings.select("building_code", "grid_code", "lon", "lat")
    tags = _tags(age, hukou, rng)
    persons = (
        pl.DataFrame(
            {
                "id_number": ids,
                "name": person_names(male, rng),
                "sex": pl.Series(["2", "1"]).gather(male.astype(np.int64)),
                "birth_date": birth,
                "ethnicity": pl.Series(_ETHNIC).gather(rng.choice(len(_ETHNIC), n, p=_ETHNIC_P)),
                "hukou": hukou,
                "_permit_tail": permit_tail,
                "phone": _unique_phones(n, rng),
                "room_code": rr["room_code"],
                "building_code": rr["building_code"],
                "move_in": move_in,
                "tags": tags,
            }
        )
        .join(bxy, on="building_code", how="left", maintain_order="left")
        .with_columns(
            employer_uscc=pl.lit(None, dtype=pl.String),
            permit_no=pl.when(pl.col("hukou"))
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.col("room_code").str.slice(0, 6) + pl.col("_permit_tail")),
        )
    )
    return persons.select(
        "id_number",
        "name",
        "sex",
        "birth_date",
        "ethnicity",
        "hukou",
        "permit_no",
        "phone",
        "room_code",
        "grid_code",
        "lon",
        "lat",
        "move_in",
        "employer_uscc",
        "tags",
    )


def _tags(age: np.ndarray, hukou: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Special-group tags; assistance (低保/特困) needs Shenzhen hukou."""
    n = len(age)
    u = rng.random((5, n))
    flags = {
        "elderly_alone": (age >= 65) & (u[0] < 0.12),
        "disabled": u[1] < 0.01,
        "dibao": hukou & (u[2] < 0.003 / HUKOU_SHARE),
        # 特困: no income, no family to rely on: mostly the old or the disabled.
        "tekun": hukou & ((age >= 60) | (u[1] < 0.01)) & (u[3] < 0.012),
        "child_in_distress": (age < 18) & (u[4] < 0.002),
    }
    # Few people carry tags: build (person, tag) pairs and gather them into
    # lists, much faster than a per-row conditional list over everyone.
    idx = np.concatenate([np.flatnonzero(v) for v in flags.values()])
    tag = np.repeat(np.arange(len(flags)), [int(v.sum()) for v in flags.values()])
    pairs = pl.DataFrame({"i": idx, "tag": pl.Series(list(flags))[tag]}).sort("i", "tag")
    lists = pairs.group_by("i").agg("tag")
    return (
        pl.DataFrame({"i": np.arange(n, dtype=idx.dtype)})
        .join(lists, on="i", how="left", maintain_order="left")
        .select(pl.col("tag").fill_null(pl.lit([], dtype=pl.List(pl.String))))["tag"]
        .alias("tags")
    )


def assign_employers(
    persons: pl.DataFrame, entities: pl.DataFrame, as_of: date, rng: np.random.Generator
) -> pl.DataFrame:
    """Most working-age residents work for an active market entity.

    Assistance recipients stay unemployed so no contribution base contradicts
    their means test in the clean world.
    """
    active = entities.filter(
        (pl.col("registry") == "scjg") & pl.col("status").is_in(["存续", "在业"])
    ).select("uscc", "employees")
    age = (
        np.datetime64(as_of, "D") - persons["birth_date"].to_numpy().astype("datetime64[D]")
    ).astype(np.int64) / 365.2425
    assisted = persons["tags"].list.contains("dibao") | persons["tags"].list.contains("tekun")
    working = (age >= 18) & (age < 60) & ~assisted.to_numpy() & (rng.random(len(age)) < 0.82)
    if active.height == 0:
        raise ValueError("no active market entity to employ anyone")
    w = active["employees"].to_numpy().astype(float) + 0.5
    pick = rng.choice(active.height, int(working.sum()), p=w / w.sum())
    idx = np.zeros(len(age), dtype=np.int64)
    idx[working] = pick
    emp = active["uscc"].gather(idx)
    # Some work for employers no market or civil-affairs register lists: organs and
    # public institutions, law firms, religious bodies, unions, military units...
    public = public_employers(max(8, int(working.sum() * PUBLIC_EMPLOYER_SHARE / 40)), rng)
    at_public = working & (rng.random(len(age)) < PUBLIC_EMPLOYER_SHARE)
    emp = emp.scatter(
        np.flatnonzero(at_public), public.gather(rng.integers(0, public.len(), at_public.sum()))
    )
    return persons.with_columns(employer_uscc=pl.when(pl.Series(working)).then(emp))


# GB 32100-2015 table 1 (registration authority → entity type codes), with the
# authorities added since (A military, N agriculture); see docs/IDENTIFIERS.md.
USCC_AUTHORITY_TYPES = {
    "1": "1239",  # 机构编制: organs, public institutions, mass organisations, other
    "2": "19",  # 外交: foreign press offices, other
    "3": "123459",  # 司法行政: law firms, notaries, legal services, forensics, arbitration
    "4": "19",  # 文化: foreign cultural centres, other
    "5": "1239",  # 民政: social groups, private non-enterprise units, foundations, other
    "6": "129",  # 旅游: foreign / HK-Macao-Taiwan tourism offices, other
    "7": "129",  # 宗教: religious venues, religious schools, other
    "8": "19",  # 工会: grassroots unions, other
    "9": "123",  # 工商: enterprises, sole traders, farmers' co-operatives
    "A": "19",  # 中央军委改革和编制办公室: military public institutions, other
    "N": "1239",  # 农业: group / village / township collectives, other
    "Y": "1",  # 其他
}
PUBLIC_EMPLOYER_SHARE = 0.06


def public_employers(n: int, rng: np.random.Generator) -> pl.Series:
    """``n`` USCCs of every registration authority and entity type but the market and
    civil-affairs registers' own (those come from the entity registers), Bao'an region
    code, valid check characters, both old numeric and new 'MA' organisation codes."""
    # village collectives (N2) are in the market register (generator/firms.py): an
    # N2 employer outside it would be an unregistered entity, not a clean row
    combos = [
        a + t
        for a, types in USCC_AUTHORITY_TYPES.items()
        if a not in "59"
        for t in types
        if a + t != "N2"
    ]
    prefix = [combos[i % len(combos)] for i in range(max(n, len(combos)))]
    return make_usccs(prefix, ["440306"] * len(prefix), rng.random(len(prefix)) < 0.5, rng)
