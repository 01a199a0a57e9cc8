"""Generated identifiers agree with python-stdnum (an independent implementation)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from generator.ids import (
    USCC_ALPHABET,
    corrupt_check,
    legacy_15,
    load_address_codes,
    make_citizen_ids,
    make_usccs,
    uscc_is_valid,
)

CODES = load_address_codes()


def _valid_birth_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random (address code, birth date) pairs where the code was in use that year."""
    rows = CODES.sample(n, with_replacement=True, seed=int(rng.integers(1 << 31)))
    lo = np.maximum(rows["from_year"].to_numpy(), 1940)
    hi = np.minimum(rows["to_year"].to_numpy(), 2025)
    year = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    birth = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, n)
    return rows["code"].to_numpy(), birth


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400))
def test_citizen_ids_pass_stdnum_and_are_unique(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    addr, birth = _valid_birth_pairs(rng, n)
    male = rng.random(n) < 0.5
    ids = make_citizen_ids(addr, birth, male, rng)
    assert ids.n_unique() == n
    assert all(ric.is_valid(x) for x in ids)
    # Sex is carried by the parity of the sequence number.
    seq = ids.str.slice(14, 3).cast(pl.Int64).to_numpy()
    assert np.array_equal(seq % 2 == 1, male)


def test_many_twins_share_address_and_birth_date_still_unique() -> None:
    rng = np.random.default_rng(1)
    n = 900
    addr = np.array(["440306"] * n)
    birth = np.array([np.datetime64("1995-05-05")] * n)
    ids = make_citizen_ids(addr, birth, np.arange(n) % 2 == 0, rng)
    assert ids.n_unique() == n
    assert all(ric.is_valid(x) for x in ids)


def test_every_shipped_address_code_is_valid_in_its_years() -> None:
    for code, lo, hi in CODES.select("code", "from_year", "to_year").iter_rows():
        for year in {max(lo, 1940), min(hi, 2025)}:
            body = f"{code}{year}0615123"
            check = ric.calc_check_digit(body + "0")
            assert ric.is_valid(body + check), (code, year)


def test_corrupted_check_digit_is_rejected_and_legacy_form_upgrades_back() -> None:
    rng = np.random.default_rng(7)
    addr, birth = _valid_birth_pairs(rng, 300)
    ids = make_citizen_ids(addr, birth, rng.random(300) < 0.5, rng)
    bad = corrupt_check(ids, rng)
    assert not any(ric.is_valid(x) for x in bad)
    assert (bad.str.slice(0, 17) == ids.str.slice(0, 17)).all()
    old = legacy_15(ids)
    assert old.str.len_chars().eq(15).all()
    # Upgrading = insert the century '19'/'20' and recompute the check digit.
    upgraded = [o[:6] + i[6:8] + o[6:] for o, i in zip(old, ids, strict=True)]
    assert [u + ric.calc_check_digit(u + "0") for u in upgraded] == ids.to_list()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    prefix=st.sampled_from(["91", "92", "93", "51", "52", "53", "11", "12"]),
)
def test_usccs_pass_stdnum(seed: int, n: int, prefix: str) -> None:
    rng = np.random.default_rng(seed)
    codes = make_usccs([prefix] * n, ["440306"] * n, rng.random(n) < 0.5, rng)
    assert codes.n_unique() == n
    assert all(uscc.is_valid(x) for x in codes)
    assert uscc_is_valid(codes).all()


def test_village_collective_usccs_have_valid_check_characters() -> None:
    """stdnum rejects authority 'N' outright, so check both characters by hand."""
    rng = np.random.default_rng(3)
    codes = make_usccs(["N2"] * 200, ["440306"] * 200, rng.random(200) < 0.5, rng)
    assert uscc_is_valid(codes).all()
    for c in codes:
        org = c[8:16]
        total = sum(int(ch, 36) * w for ch, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
        expect = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
        assert c[16] == expect
        s = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(c[:17]))
        assert c[17] == USCC_ALPHABET[(31 - s % 31) % 31]
    # A stdnum-valid code with one character changed must fail our check too.
    good = make_usccs(["91"] * 50, ["440306"] * 50, np.zeros(50, bool), rng)
    broken = good.str.slice(0, 17) + pl.Series(
        [USCC_ALPHABET[(USCC_ALPHABET.index(c[17]) + 1) % 31] for c in good]
    )
    assert not uscc_is_valid(broken).any()
