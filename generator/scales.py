"""Target sizes of the simulated city per scale (docs/DOMAIN.md "Scale (real figures)")."""

from __future__ import annotations

from dataclasses import dataclass

BAOAN = "440306"
SHENZHEN_DISTRICTS = (
    "440303",
    "440304",
    "440305",
    "440306",
    "440307",
    "440308",
    "440309",
    "440310",
    "440311",
)


@dataclass(frozen=True)
class Scale:
    """Target counts; the world lands near them, the feeds use them directly."""

    name: str
    district_codes: tuple[str, ...]
    persons: int
    legal_entities: int  # scjg + mz together
    social_orgs: int  # mz share of legal_entities
    buildings: int
    rooms: int
    rental_filings: int
    insured_persons: int
    events_per_year: int
    # Community population bounds at this scale (DOMAIN: 7,000-250,000 in Bao'an).
    community_pop_min: int
    community_pop_max: int
    min_buildings_per_community: int = 1

    @property
    def scjg_entities(self) -> int:
        return self.legal_entities - self.social_orgs

    @property
    def events_per_day(self) -> float:
        return self.events_per_year / 365.0


DISTRICT = Scale(
    name="district",
    district_codes=(BAOAN,),
    persons=5_531_000,
    legal_entities=900_000,
    social_orgs=1_500,
    buildings=160_000,
    rooms=2_700_000,
    rental_filings=1_200_000,
    insured_persons=3_000_000,
    events_per_year=4_000_000,
    community_pop_min=7_000,
    community_pop_max=250_000,
)

# Everything /500, but keep enough social organisations to compute rates and
# at least one building per community so every community has residents.
TINY = Scale(
    name="tiny",
    district_codes=(BAOAN,),
    persons=11_062,
    legal_entities=1_800,
    social_orgs=40,
    buildings=320,
    rooms=5_400,
    rental_filings=2_400,
    insured_persons=6_000,
    events_per_year=60 * 365,
    community_pop_min=14,
    community_pop_max=500,
)

# District /50: a larger-than-tiny check (the slow truth test) that still
# generates, ingests and builds in about a minute on 2 cores.
SMALL = Scale(
    name="small",
    district_codes=(BAOAN,),
    persons=110_620,
    legal_entities=18_000,
    social_orgs=400,
    buildings=3_200,
    rooms=54_000,
    rental_filings=24_000,
    insured_persons=60_000,
    events_per_year=600 * 365,
    community_pop_min=140,
    community_pop_max=5_000,
)

CITY = Scale(
    name="city",
    district_codes=SHENZHEN_DISTRICTS,
    persons=3 * DISTRICT.persons,
    legal_entities=3 * DISTRICT.legal_entities,
    social_orgs=3 * DISTRICT.social_orgs,
    buildings=3 * DISTRICT.buildings,
    rooms=3 * DISTRICT.rooms,
    rental_filings=3 * DISTRICT.rental_filings,
    insured_persons=3 * DISTRICT.insured_persons,
    events_per_year=3 * DISTRICT.events_per_year,
    community_pop_min=DISTRICT.community_pop_min,
    community_pop_max=DISTRICT.community_pop_max,
)

SCALES: dict[str, Scale] = {s.name: s for s in (TINY, SMALL, DISTRICT, CITY)}


def get_scale(name: str) -> Scale:
    """The scale called ``name`` (tiny | small | district | city)."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {sorted(SCALES)}") from None
