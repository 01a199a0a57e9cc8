"""Vectorised identifier validators: GB 11643 citizen IDs, GB 32100 USCCs, area codes.

Each function takes a normalised ``pl.Series`` of strings (nulls allowed) and
returns boolean masks; checksums run in numpy over an (n, width) byte matrix,
which is several times faster than per-character polars expressions.
The property tests in ``tests/ingest`` prove agreement with python-stdnum where our
rules are the same, and test exactly where they differ (docs/IDENTIFIERS.md).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

_USCC_VALUE = np.full(256, -1, dtype=np.int8)
_USCC_VALUE[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
# GB 11714 values characters 0-9 then A=10 .. Z=35 (its own alphabet, unlike GB 32100).
_ORG_VALUE = np.full(256, -1, dtype=np.int8)
_ORG_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_ORG_VALUE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.arange(10, 36)

RE_RIC18 = r"^\d{17}[\dX]$"
RE_RIC15 = r"^\d{15}$"
RE_USCC = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def _weighted(mat: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row sums of ``mat * weights`` for small values (uint8/int8 matrices).

    einsum casts in cache-sized buffers: ~5x faster than ``mat.astype(int64) @ w``,
    which materialised an (n, 17) int64 matrix per call.
    """
    return np.einsum("ij,j->i", mat, weights.astype(np.int64), dtype=np.int64, casting="unsafe")


def _matrix(values: pl.Series, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of fixed-width ASCII strings (caller guarantees width).

    Reads the Arrow data buffer directly: no per-row Python objects.
    """
    if values.len() == 0:
        return np.zeros((0, width), dtype=np.uint8)
    arr = values.to_arrow(compat_level=pl.CompatLevel.oldest())
    if hasattr(arr, "combine_chunks"):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + 2]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return data[offsets[0] : offsets[0] + len(arr) * width].reshape(-1, width)


def _fixed_width(values: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose value has exactly ``width`` bytes, and their (rows, width) byte
    matrix. When every row has (a clean delivery: no nulls, one width) the series is
    read as it is, without gathering a copy of it first."""
    fits = (values.str.len_bytes() == width).fill_null(False)
    if fits.all():
        return np.arange(values.len(), dtype=np.uint32), _matrix(values, width)
    rows = fits.arg_true().to_numpy()
    return rows, _matrix(values.gather(rows), width)


def _pick(mat: np.ndarray, keep: np.ndarray | np.bool_) -> np.ndarray:
    """The rows ``keep`` (a mask) of a matrix; no copy when it keeps them all."""
    return mat if keep.all() else mat[keep]


def ric_check_chars(body17: pl.Series) -> pl.Series:
    """GB 11643 MOD 11-2 check characters for 17-digit bodies (no nulls)."""
    mat = _matrix(body17, 17)
    checks = RIC_CHECK[(_weighted(mat, RIC_WEIGHTS) - 48 * RIC_WEIGHTS.sum()) % 11]
    return pl.Series(body17.name, checks.view("S1").astype(str), pl.String)


# Every GB/T 2260 address code since 1980 with the years it was in use (seed data,
# derived by scripts/derive_gbt2260.py; source and licence in docs/IDENTIFIERS.md).
GBT2260_CODES = Path(__file__).resolve().parents[1] / "seeds" / "reference" / "gbt2260_codes.csv"


@lru_cache(maxsize=1)
def county_ranges() -> pl.DataFrame:
    """GB/T 2260 address codes with the years each was in use (``end`` 9999: still is)."""
    return pl.read_csv(
        GBT2260_CODES,
        schema={
            "code6": pl.String,
            "name": pl.String,
            "province": pl.String,
            "valid_from": pl.Int32,
            "valid_to": pl.Int32,
        },
    ).select("code6", start="valid_from", end=pl.col("valid_to").fill_null(9999))


@lru_cache(maxsize=1)
def _known_codes() -> np.ndarray:
    """One flag per six-digit number (1 MB): whether it is an address code that has
    ever existed. A lookup per ID, 10x faster than a binary search of the ~7,000
    sorted codes (20 ms per 400k IDs, the largest part of an ID's check)."""
    known = np.zeros(10**6, dtype=bool)
    known[county_ranges()["code6"].cast(pl.Int64).to_numpy()] = True
    return known


def address_code_known(code6: np.ndarray) -> np.ndarray:
    """Whether each address code existed in GB/T 2260 at any time since 1980.

    Not whether it existed in the holder's birth year: the code is the county where
    the number was assigned, and before 1999 people who moved their hukou often got
    a new number there, so a Bao'an code (1992) on someone born in 1975 is real."""
    known = _known_codes()
    inside = (code6 >= 0) & (code6 < known.size)
    return known[np.where(inside, code6, 0)] & inside


def _digits_value(mat: np.ndarray) -> np.ndarray:
    """Integer value of each row of an (n, w) matrix of ASCII digits."""
    powers = 10 ** np.arange(mat.shape[1] - 1, -1, -1, dtype=np.int64)
    return _weighted(mat, powers) - 48 * powers.sum()


def _valid_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    mdays = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    ok_month = (month >= 1) & (month <= 12)
    last = mdays[np.where(ok_month, month, 0)] + ((month == 2) & leap)
    return ok_month & (day >= 1) & (day <= last) & (year >= 1)


def upgrade_ric15(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Legacy 15-digit IDs to 18 digits ('19' century, computed check); other values kept.

    Returns the upgraded series and the mask of rows that were upgraded.
    """
    is15 = values.str.contains(RE_RIC15).fill_null(False)
    if not is15.any():
        return values, is15
    old = values.filter(is15)
    body = old.str.slice(0, 6) + "19" + old.str.slice(6, 9)
    new = body + ric_check_chars(body)
    out = values.scatter(is15.arg_true(), new)
    return out, is15


def _ric_matrix_valid(mat: np.ndarray) -> np.ndarray:
    """Checksum, birth date and address code of format-valid 18-char IDs (byte matrix)."""
    total = _weighted(mat[:, :17], RIC_WEIGHTS) - 48 * RIC_WEIGHTS.sum()
    check_ok = RIC_CHECK[total % 11] == mat[:, 17]
    year = _digits_value(mat[:, 6:10])
    birth_ok = _valid_ymd(year, _digits_value(mat[:, 10:12]), _digits_value(mat[:, 12:14]))
    place_ok = address_code_known(_digits_value(mat[:, :6]))
    return check_ok & birth_ok & place_ok


def ric_valid(values: pl.Series) -> pl.Series:
    """True where a value is a valid 18-char citizen ID (format, checksum, birth date,
    an address code that has existed in GB/T 2260), False otherwise, null where null."""
    fmt = values.str.contains(RE_RIC18).fill_null(False)
    ok = np.zeros(values.len(), dtype=bool)
    idx = fmt.arg_true().to_numpy()
    if idx.size:
        ok[idx] = _ric_matrix_valid(_matrix(values.gather(idx), 18))
    return pl.Series(values.name, ok).set(values.is_null(), None)


def ric18_rows(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose value already is 17 ASCII digits and a digit or X (a clean
    delivery), and whether each is a valid ID: in numpy, without the regex passes of
    normalisation, the 15-digit upgrade and ``ric_valid``, which are no-ops or
    matches on these values."""
    rows, mat = _fixed_width(values, 18)
    # uint8 arithmetic wraps: bytes below "0" become large, so one comparison suffices.
    fmt = ~((mat[:, :17] - np.uint8(48)) > 9).any(axis=1)
    fmt &= ((mat[:, 17] - np.uint8(48)) <= 9) | (mat[:, 17] == ord("X"))
    return _pick(rows, fmt), _ric_matrix_valid(_pick(mat, fmt))


def _org_matrix_valid(mat: np.ndarray) -> np.ndarray:
    """GB 11714 check of the organisation code inside an (n, 18) USCC byte matrix."""
    val = _ORG_VALUE[mat[:, 8:16]]
    c = 11 - _weighted(val, ORG_WEIGHTS) % 11
    want = np.where(c == 10, ord("X"), np.where(c == 11, ord("0"), c + 48))
    return (want == mat[:, 16]) & (val >= 0).all(axis=1)


def org_code_valid(values: pl.Series) -> np.ndarray:
    """GB 11714 check of the 9-char organisation code inside 18-char USCCs (no nulls)."""
    return _org_matrix_valid(_matrix(values, 18))


def _uscc_matrix_valid(
    mat: np.ndarray, org_check: bool = True, value: np.ndarray | None = None
) -> np.ndarray:
    """Check character (and organisation code) of format-valid USCCs (byte matrix;
    ``value``: ``_USCC_VALUE[mat]`` if the caller has it)."""
    value = _USCC_VALUE[mat[:, :17]] if value is None else value[:, :17]
    total = _weighted(value, USCC_WEIGHTS)
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    good = alphabet[(31 - total % 31) % 31] == mat[:, 17]
    if org_check:
        good &= _org_matrix_valid(mat)
    return good


def uscc_valid(values: pl.Series, *, org_check: bool = True) -> pl.Series:
    """True where a value is a valid GB 32100 USCC: format, check character over
    the 31-char alphabet (weights 3^i mod 31) and, by default, the embedded
    organisation-code check. Authorities A, N and Y are accepted."""
    fmt = values.str.contains(RE_USCC).fill_null(False)
    ok = np.zeros(values.len(), dtype=bool)
    idx = fmt.arg_true().to_numpy()
    if idx.size:
        ok[idx] = _uscc_matrix_valid(_matrix(values.gather(idx), 18), org_check)
    return pl.Series(values.name, ok).set(values.is_null(), None)


def uscc18_rows(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose value already has the USCC format (``RE_USCC``: 18 characters of
    the USCC alphabet, digits at 3-8) and whether each is valid: in numpy, without
    the regex passes of normalisation and ``uscc_valid``, which are no-ops or matches
    on these values."""
    rows, mat = _fixed_width(values, 18)
    value = _USCC_VALUE[mat]
    fmt = (value >= 0).all(axis=1)
    fmt &= ~((mat[:, 2:8] - np.uint8(48)) > 9).any(axis=1)
    return _pick(rows, fmt), _uscc_matrix_valid(_pick(mat, fmt), value=_pick(value, fmt))


CODE_WIDTH = {"community_code": 12, "grid_code": 15, "building_code": 17, "room_code": 25}


@lru_cache(maxsize=4)
def current_communities(reference_dir: Path) -> frozenset[str]:
    """12-digit codes of current NBS communities (level `community`)."""
    path = reference_dir / "admin_divisions_shenzhen.csv"
    frame = pl.read_csv(path, schema_overrides={"code12": pl.String, "parent_code12": pl.String})
    return frozenset(frame.filter(pl.col("level") == "community")["code12"].to_list())


def code_format_valid(values: pl.Series, kind: str) -> pl.Series:
    """Digits of the exact width of the code kind (null stays null)."""
    return values.str.contains(rf"^\d{{{CODE_WIDTH[kind]}}}$")


def community_known(values: pl.Series, communities: frozenset[str]) -> pl.Series:
    """Whether the 12-digit community prefix is a current NBS community."""
    return values.str.slice(0, 12).is_in(list(communities))


@lru_cache(maxsize=4)
def _community_numbers(communities: frozenset[str]) -> np.ndarray:
    """Sorted integer values of the 12-ASCII-digit community codes (only those can
    equal the 12-digit prefix of a code that is all digits)."""
    digits = [c for c in communities if len(c) == 12 and c.isascii() and c.isdigit()]
    return np.sort(np.array([int(c) for c in digits], dtype=np.int64))


def all_digit_codes(values: pl.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose value is exactly the code kind's width of ASCII digits (what a clean
    delivery holds) and their (rows, width) byte matrix.

    One length pass and one pass over the bytes in numpy, instead of the regex passes
    of normalisation and ``code_format_valid``: on these values normalisation is a
    no-op and the format matches, so only the other rows need those passes.
    """
    width = CODE_WIDTH[kind]
    rows, mat = _fixed_width(values, width)
    # uint8 arithmetic wraps: bytes below "0" become large, so one comparison suffices.
    digits = ~((mat - np.uint8(48)) > 9).any(axis=1)
    return _pick(rows, digits), _pick(mat, digits)


def community_known_digits(mat: np.ndarray, communities: frozenset[str]) -> np.ndarray:
    """``community_known`` for codes given as an all-digit byte matrix."""
    table = _community_numbers(communities)
    if not table.size:
        return np.zeros(mat.shape[0], dtype=bool)
    code12 = _digits_value(mat[:, :12])
    pos = np.minimum(np.searchsorted(table, code12), table.size - 1)
    return table[pos] == code12
