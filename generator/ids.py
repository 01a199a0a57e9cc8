"""Vectorised, valid identifiers: citizen IDs (GB 11643) and USCCs (GB 32100).

Computed here from the standards themselves, never from the ingest's validators,
so a misreading on either side shows up instead of cancelling out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

_DATA = Path(__file__).resolve().parent / "data"

# GB 11643: weight of position i (0-based, 17 digits) is 2^(17-i) mod 11.
RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

# GB 32100 alphabet (no I, O, S, V, Z) and weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
# GB 11714 organisation-code weights; characters valued 0-9, A=10 .. Z=35.
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
_ORG_VALUE = np.full(256, -1, dtype=np.int64)
_ORG_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_ORG_VALUE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.arange(10, 36)


def _to_bytes(values: pl.Series | np.ndarray | list[str], width: int) -> np.ndarray:
    """Fixed-width ASCII strings as an (n, width) uint8 matrix."""
    arr = np.asarray(pl.Series(values).to_numpy(), dtype=f"S{width}")
    return arr.view(np.uint8).reshape(len(arr), width)


def _to_str(mat: np.ndarray) -> pl.Series:
    # Through polars Binary: ~10x faster than numpy's bytes -> unicode conversion.
    width = mat.shape[1]
    return pl.Series(np.ascontiguousarray(mat).view(f"S{width}").ravel()).cast(pl.String)


def load_address_codes() -> pl.DataFrame:
    """Real county codes with the birth years for which each one was in use."""
    return pl.read_csv(
        _DATA / "address_codes.csv",
        schema={
            "code": pl.String,
            "name": pl.String,
            "province": pl.String,
            "from_year": pl.Int32,
            "to_year": pl.Int32,
        },
    ).with_columns(pl.col("from_year").fill_null(1900), pl.col("to_year").fill_null(9999))


_REFERENCE = Path(__file__).resolve().parent.parent / "seeds" / "reference"


def load_gbt2260_counties(reference_dir: Path = _REFERENCE) -> pl.DataFrame:
    """County-level GB/T 2260 codes of all of China since 1980 with the years each was
    in use (``to_year`` 9999: still is), from the dated seed (docs/IDENTIFIERS.md)."""
    frame = pl.read_csv(
        reference_dir / "gbt2260_codes.csv",
        schema={
            "code6": pl.String,
            "name": pl.String,
            "province": pl.String,
            "valid_from": pl.Int32,
            "valid_to": pl.Int32,
        },
    )
    county = ~pl.col("code6").str.ends_with("00") & ~pl.col("code6").str.ends_with("01")
    return frame.filter(county).select(
        pl.col("code6").alias("code"),
        pl.col("valid_from").alias("from_year"),
        pl.col("valid_to").fill_null(9999).alias("to_year"),
    )


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Dates as integers YYYYMMDD (vectorised, no string formatting)."""
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    d = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y * 10_000 + m * 100 + d


def ric_check_chars(body17: np.ndarray) -> np.ndarray:
    """Check characters (uint8 ASCII) for an (n, 17) matrix of ASCII digits."""
    digits = body17.astype(np.int64) - 48
    return RIC_CHECK[(digits @ RIC_WEIGHTS) % 11]


def make_citizen_ids(
    address6: np.ndarray, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator
) -> pl.Series:
    """Unique 18-character IDs from address codes, birth dates and sex.

    The 3-digit sequence is odd for men, even for women, and ranks people who
    share address, birth date and sex (from a random start), which makes the
    IDs unique; more than 499 such twins would not fit the standard.
    """
    n = len(address6)
    addr = np.asarray(address6).astype(np.int64)
    ymd = yyyymmdd(np.asarray(birth, dtype="datetime64[D]"))
    male = np.asarray(male, dtype=bool)
    key = (addr * 100_000_000 + ymd) * 2 + male
    order = np.argsort(key, kind="stable")
    sk = key[order]
    starts = np.r_[True, sk[1:] != sk[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.arange(n) - group_start
    if n and rank.max() >= 499:
        raise ValueError("more than 499 people share address, birth date and sex")
    offset = rng.integers(0, 499, n)[group_start]
    k = np.empty(n, dtype=np.int64)
    k[order] = (rank + offset) % 499
    seq = np.where(male, 2 * k + 1, 2 * k + 2)
    body = (addr * 100_000_000 + ymd) * 1000 + seq
    mat = np.empty((n, 18), dtype=np.uint8)
    for pos in range(16, -1, -1):
        mat[:, pos] = body % 10 + 48
        body //= 10
    mat[:, 17] = ric_check_chars(mat[:, :17])
    return _to_str(mat)


def legacy_15(ids18: pl.Series) -> pl.Series:
    """The first-generation 15-digit form: address + YYMMDD + sequence, no check."""
    return ids18.str.slice(0, 6) + ids18.str.slice(8, 9)


def corrupt_check(ids18: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Same IDs with a wrong (but well-formed) check character."""
    mat = _to_bytes(ids18, 18).copy()
    checks = np.sort(RIC_CHECK)
    # Shift each check character by 1..10 places among the 11 possible ones.
    pos = np.searchsorted(checks, mat[:, 17])
    mat[:, 17] = checks[(pos + rng.integers(1, 11, len(mat))) % 11]
    return _to_str(mat)


def org_check_chars(body8: np.ndarray) -> np.ndarray:
    """GB 11714 check characters for an (n, 8) ASCII matrix of 0-9/A-Z."""
    c = 11 - (_ORG_VALUE[body8] @ ORG_WEIGHTS) % 11
    return np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), c + 48)).astype(np.uint8)


def uscc_check_chars(body17: np.ndarray) -> np.ndarray:
    """GB 32100 check characters for an (n, 17) ASCII matrix."""
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    return alphabet[(31 - (_USCC_VALUE[body17] @ USCC_WEIGHTS) % 31) % 31]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted.

    Sort-based on purpose: numpy 2.4's hash-based ``np.unique`` takes ~20 s on
    5M wide-range integers where sorting takes 0.2 s.
    """
    s = np.sort(values, kind="stable")
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def first_occurrence(values: np.ndarray) -> np.ndarray:
    """Boolean mask: True where a value appears for the first time."""
    order = np.argsort(values, kind="stable")
    sv = values[order]
    first = np.empty(len(values), dtype=bool)
    first[order] = np.r_[True, sv[1:] != sv[:-1]] if len(sv) else np.empty(0, bool)
    return first


def _unique_ints(high: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct integers in [0, high), in random order."""
    if n > high:
        raise ValueError("not enough distinct codes")
    picked = sorted_unique(rng.integers(0, high, int(n * 1.1) + 16))
    while len(picked) < n:
        picked = sorted_unique(np.r_[picked, rng.integers(0, high, n)])
    return rng.permutation(picked)[:n]


def make_org_bodies(new_style: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique 8-character organisation-code bodies, (n, 8) ASCII.

    Old entities carry a numeric code; entities registered since the USCC
    reform get 'MA' + 6 characters of the USCC alphabet (as real ones do).
    """
    new_style = np.asarray(new_style, dtype=bool)
    out = np.empty((len(new_style), 8), dtype=np.uint8)
    old_idx, new_idx = np.flatnonzero(~new_style), np.flatnonzero(new_style)
    nums = _unique_ints(10**8, len(old_idx), rng)
    for pos in range(7, -1, -1):
        out[old_idx, pos] = nums % 10 + 48
        nums //= 10
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    nums = _unique_ints(31**6, len(new_idx), rng)
    out[new_idx, 0], out[new_idx, 1] = ord("M"), ord("A")
    for pos in range(7, 1, -1):
        out[new_idx, pos] = alphabet[nums % 31]
        nums //= 31
    return out


def make_usccs(
    prefix2: pl.Series | list[str],
    division6: pl.Series | list[str],
    new_style: np.ndarray,
    rng: np.random.Generator,
) -> pl.Series:
    """Unique 18-character USCCs.

    ``prefix2`` is authority + entity type ('91' enterprise, '92' sole trader,
    '93' farmers' co-operative, '51'/'52'/'53' social organisations, 'N2'
    village collective...). Organisation codes are unique across the batch,
    so the USCCs are too.
    """
    n = len(new_style)
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0:2] = _to_bytes(prefix2, 2)
    mat[:, 2:8] = _to_bytes(division6, 6)
    mat[:, 8:16] = make_org_bodies(new_style, rng)
    mat[:, 16] = org_check_chars(mat[:, 8:16])
    mat[:, 17] = uscc_check_chars(mat[:, :17])
    return _to_str(mat)


def uscc_is_valid(usccs: pl.Series) -> np.ndarray:
    """Structural GB 32100 check (both check characters), any authority."""
    mat = _to_bytes(usccs, 18)
    ok = (_USCC_VALUE[mat] >= 0).all(axis=1)
    ok &= mat[:, 17] == uscc_check_chars(mat[:, :17])
    ok &= (_ORG_VALUE[mat[:, 8:16]] >= 0).all(axis=1)
    return ok & (mat[:, 16] == org_check_chars(mat[:, 8:16]))
