"""Vectorised identifier validators against python-stdnum (property tests): equal
where our rules are the same, and different exactly where docs/IDENTIFIERS.md says."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from ingest.validate import (
    USCC_ALPHABET,
    county_ranges,
    ric_valid,
    upgrade_ric15,
    uscc_valid,
)
from tests.ingest.factory import org_code
from tests.ingest.factory import uscc as make_uscc

CODES = county_ranges()
codes6 = st.sampled_from(CODES["code6"].unique().sort().to_list())
births = st.dates(date(1000, 1, 1), date(2999, 12, 31)).map(
    lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"
)
seqs = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def valid_ric(draw: st.DrawFn) -> str:
    body = draw(codes6) + draw(births) + draw(seqs)
    return body + ric.calc_check_digit(body + "0")


def corrupt(draw: st.DrawFn, value: str, alphabet: str) -> str:
    i = draw(st.integers(0, len(value) - 1))
    c = draw(st.sampled_from(alphabet))
    return value[:i] + c + value[i + 1 :]


@st.composite
def rics(draw: st.DrawFn) -> str:
    value = draw(valid_ric())
    how = draw(st.sampled_from(["valid", "char", "check", "truncate", "random"]))
    if how == "char":
        return corrupt(draw, value, "0123456789X")
    if how == "check":
        return value[:17] + draw(st.sampled_from("0123456789X"))
    if how == "truncate":
        return value[: draw(st.integers(0, 17))]
    if how == "random":
        return draw(st.text("0123456789X", min_size=18, max_size=18))
    return value


many = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)


EVER = set(CODES["code6"].to_list())


def reference_ric_valid(value: str) -> bool:
    """GB 11643 as docs/IDENTIFIERS.md states it: format, check character (stdnum's),
    a real birth date, and an address code that has existed in GB/T 2260."""
    if not re.fullmatch(r"\d{17}[\dX]", value) or ric.calc_check_digit(value) != value[17]:
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[:6] in EVER


@many
@given(st.lists(rics(), min_size=1, max_size=200))
def test_citizen_id_validator_agrees_with_the_documented_rule(values: list[str]) -> None:
    mine = ric_valid(pl.Series(values)).to_list()
    assert mine == [reference_ric_valid(v) for v in values]
    # Laxer than stdnum only: whatever stdnum accepts, we accept.
    assert all(m for m, v in zip(mine, values, strict=True) if ric.is_valid(v))


def test_address_code_younger_than_the_holder_is_valid_where_stdnum_rejects() -> None:
    # 440306 (Bao'an) exists since 1992; 412723 (Shangshui) was retired in 2000.
    young = "440306" + "19750101" + "123"
    retired = "412723" + "20050101" + "456"
    values = [b + ric.calc_check_digit(b + "0") for b in (young, retired)]
    assert ric_valid(pl.Series(values)).to_list() == [True, True]
    assert not any(ric.is_valid(v) for v in values)
    never = "449999" + "19750101" + "123"
    assert ric_valid(pl.Series([never + ric.calc_check_digit(never + "0")])).to_list() == [False]


@many
@given(st.lists(valid_ric(), min_size=1, max_size=50))
def test_legacy_15_digit_ids_upgrade_to_the_valid_18_digit_id(values: list[str]) -> None:
    values = [v for v in values if v[6:8] == "19"]
    legacy = pl.Series([v[:6] + v[8:17] for v in values], dtype=pl.String)
    upgraded, mask = upgrade_ric15(legacy)
    assert upgraded.to_list() == values
    assert mask.all()


def test_upgrade_leaves_18_digit_and_null_values_alone() -> None:
    values = pl.Series(["44030619950101001X", None, "12345"])
    upgraded, mask = upgrade_ric15(values)
    assert upgraded.to_list() == values.to_list()
    assert mask.to_list() == [False, False, False]


@st.composite
def valid_uscc(draw: st.DrawFn, digit_authority: bool = True) -> str:
    authority = draw(st.sampled_from("123456789" if digit_authority else "ANY"))
    kind = draw(st.sampled_from("123459"))
    division = draw(codes6)
    org = draw(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    return make_uscc(authority + kind + division, org)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    value = draw(valid_uscc())
    how = draw(st.sampled_from(["valid", "char", "check", "truncate", "random"]))
    if how == "char":
        return corrupt(draw, value, USCC_ALPHABET)
    if how == "check":
        return value[:17] + draw(st.sampled_from(USCC_ALPHABET))
    if how == "truncate":
        return value[: draw(st.integers(0, 17))]
    if how == "random":
        return draw(st.text(USCC_ALPHABET + "IOSVZ", min_size=18, max_size=18))
    return value


def _org_ok(value: str) -> bool:
    return len(value) == 18 and org_code(value[8:16]) == value[8:17]


@many
@given(st.lists(usccs(), min_size=1, max_size=200))
def test_uscc_validator_agrees_with_stdnum_plus_organisation_code(values: list[str]) -> None:
    mine = uscc_valid(pl.Series(values)).to_list()
    assert mine == [uscc.is_valid(v) and _org_ok(v) for v in values]
    # Without the organisation-code check it is exactly stdnum.
    assert uscc_valid(pl.Series(values), org_check=False).to_list() == [
        uscc.is_valid(v) for v in values
    ]


@many
@given(st.lists(valid_uscc(digit_authority=False), min_size=1, max_size=50))
def test_uscc_of_authorities_a_n_y_accepted_where_stdnum_rejects(values: list[str]) -> None:
    assert all(uscc_valid(pl.Series(values)).to_list())
    assert not any(uscc.is_valid(v) for v in values)
    broken = [v[:17] + ("0" if v[17] != "0" else "1") for v in values]
    assert not any(uscc_valid(pl.Series(broken)).to_list())


def test_null_identifiers_stay_null() -> None:
    assert ric_valid(pl.Series([None], dtype=pl.String)).to_list() == [None]
    assert uscc_valid(pl.Series([None], dtype=pl.String)).to_list() == [None]
