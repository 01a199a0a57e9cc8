"""Defect planting: rates, value corruptions and the row tracker of one file.

Every file a feed writer delivers goes through a :class:`FilePlan`: the clean
rows (all strings for text formats), then planted defects at ``rate × dirt``,
then duplicates and the final row order. Rows carry a stable ``_rid`` so the
manifest can name the exact 1-based data row *as written*, after duplication
and shuffling. A row gets at most one row-level defect, so the ingest's first
quarantine reason is always the planted one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import polars as pl

from generator import ids

# Replaces a CSV record's last field at write time, so the record is written
# with one field fewer (the ingest must see a field-count error, not a null).
TRUNCATE_SENTINEL = "\x1fTRUNCATED\x1f"

# Becomes a lone '"' after the CSV writer ran (which would have quoted and doubled a
# real one): a field that opens a quote and never closes it.
STRAY_QUOTE_SENTINEL = "\x1eSTRAYQUOTE\x1e"
# Longer than the ingest's record cap (64 KiB by default).
OVERLONG_BYTES = 100_000

_ASCII_DIGITS = [str(d) for d in range(10)]
_FULLWIDTH_DIGITS = [chr(0xFF10 + d) for d in range(10)]

# Before the 2017 boundary change 新安街道 was 440306001; no current NBS
# community starts with it, so a code carrying it is well-formed but orphaned.
PRE_2017_STREET = "440306001"


@dataclass(frozen=True)
class DirtRates:
    """Base defect rates (per row, or per case candidate); all scaled by ``multiplier``."""

    multiplier: float = 1.0
    # row level
    bad_check_digit: float = 0.002
    legacy_15: float = 0.002
    fullwidth: float = 0.002
    whitespace: float = 0.002
    future_birth: float = 0.0008
    move_out_before_in: float = 0.0008
    duplicate_row: float = 0.001
    duplicate_key: float = 0.001
    orphan_code: float = 0.001
    bad_date: float = 0.001
    truncated_row: float = 0.0005
    bad_enum: float = 0.001
    end_before_start: float = 0.001
    # identity variants (docs/GOLDEN_RECORDS.md): an employer written with its
    # pre-2015 organisation code (the 9 characters 9-17 of its USCC)
    legacy_org_code: float = 0.002
    # damaged records (CSV): a quote that never closes, NUL bytes, a record over the
    # ingest's 64 KiB record cap (docs/DESIGN.md)
    stray_quote: float = 0.0005
    nul_byte: float = 0.0003
    overlong_record: float = 0.00005
    # model level (per person / entity / event candidate)
    channel_conflict: float = 0.01
    unregistered_move: float = 0.3  # share of a day's movers the register misses
    cross_channel_duplicate: float = 0.003
    upstream_delete: float = 0.0002
    event_late: float = 0.03
    event_closed_before_reported: float = 0.003
    event_closed_equals_update: float = 0.003
    duplicate_incident: float = 0.02
    # an event located by its position only (an app pin), no building code
    coords_only_location: float = 0.05
    # cross-check cases: absolute counts at dirt=1 (scaled, at least 1 when dirt > 0)
    xc_cases: float = 3.0
    shared_room_companies: float = 200.0

    @property
    def clean(self) -> bool:
        return self.multiplier <= 0

    def rate(self, name: str) -> float:
        """Effective rate of one defect kind, capped at 0.5 so files stay mostly readable."""
        return min(0.5, getattr(self, name) * self.multiplier)

    def count(self, name: str, cap: int) -> int:
        """Effective absolute count of a case kind (0 when clean, else ≥ 1), at most ``cap``."""
        if self.clean or cap <= 0:
            return 0
        return int(min(cap, max(1, round(getattr(self, name) * self.multiplier))))

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "multiplier"]


def binomial_pick(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    """A random subset of ``candidates``, each kept with probability ``rate`` (sorted)."""
    if rate <= 0 or len(candidates) == 0:
        return candidates[:0]
    k = int(rng.binomial(len(candidates), min(rate, 1.0)))
    return np.sort(rng.choice(candidates, size=k, replace=False))


def without(values: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """``values`` (sorted, unique, non-negative ints) minus ``drop``: ``np.setdiff1d``
    without its sort of millions of values."""
    if len(values) == 0 or len(drop) == 0:
        return values
    mask = np.zeros(max(int(values.max()), int(drop.max())) + 1, dtype=bool)
    mask[drop] = True
    return values[~mask[values]]


# ---- value corruptions (vectorised over a Series) ----------------------------


def to_fullwidth(values: pl.Series) -> pl.Series:
    """ASCII digits → full-width digits (U+FF10..U+FF19), as some Windows IMEs type them."""
    return values.str.replace_many(_ASCII_DIGITS, _FULLWIDTH_DIGITS)


def pad_spaces(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Trailing, leading or both-sided spaces (and a tab now and then)."""
    side = rng.integers(0, 3, len(values))
    pad = pl.Series(rng.choice(np.array([" ", "  ", "\t", " "]), len(values)))
    out = pl.DataFrame({"v": values, "side": side, "pad": pad}).select(
        pl.when(pl.col("side") == 0)
        .then(pl.col("v") + pl.col("pad"))
        .when(pl.col("side") == 1)
        .then(pl.col("pad") + pl.col("v"))
        .otherwise(pl.col("pad") + pl.col("v") + pl.col("pad"))
    )
    return out.to_series().alias(values.name)


def orphan_community(values: pl.Series) -> pl.Series:
    """Rewrite a code's street segment to the pre-2017 one: well-formed, community unknown."""
    return (PRE_2017_STREET + values.str.slice(9)).alias(values.name)


def stray_quote(values: pl.Series) -> pl.Series:
    """An opening quote at the start of the field that never closes."""
    return (STRAY_QUOTE_SENTINEL + values).alias(values.name)


def nul_bytes(values: pl.Series) -> pl.Series:
    """NUL bytes inside the value (a file padded or damaged in transfer)."""
    return (values.str.slice(0, 1) + "\x00\x00" + values.str.slice(1)).alias(values.name)


def overlong(values: pl.Series) -> pl.Series:
    """A value far longer than any real one (a runaway export), ASCII in any encoding."""
    return (values + "x" * OVERLONG_BYTES).alias(values.name)


def plant_damage(plan: FilePlan, column: str, eligible: np.ndarray | None = None) -> None:
    """Damaged CSV records in a text ``column``: each row quarantined by the ingest
    with the defect's name as reason (``unbalanced_quote``, ``nul_byte``,
    ``record_too_long``), every other row of the file unaffected."""
    plan.corrupt(
        "stray_quote",
        column,
        "unbalanced_quote",
        lambda s, r: stray_quote(s[column]),
        detail="quote opened, never closed",
        eligible=eligible,
    )
    plan.corrupt(
        "nul_byte",
        column,
        "nul_byte",
        lambda s, r: nul_bytes(s[column]),
        detail="NUL bytes",
        eligible=eligible,
    )
    plan.corrupt(
        "overlong_record",
        column,
        "record_too_long",
        lambda s, r: overlong(s[column]),
        detail=f"record over {OVERLONG_BYTES:,} bytes",
        eligible=eligible,
    )


def corrupt_citizen_id(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Same IDs with a wrong GB 11643 check character."""
    return ids.corrupt_check(values, rng).alias(values.name)


def legacy_15(values: pl.Series) -> pl.Series:
    """The legacy 15-digit form of 18-digit IDs (century and check char dropped)."""
    return ids.legacy_15(values).alias(values.name)


def corrupt_uscc(values: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Same USCCs with a wrong GB 32100 check character (one of the 30 other letters)."""
    alphabet = np.array(list(ids.USCC_ALPHABET))
    pos = {c: i for i, c in enumerate(ids.USCC_ALPHABET)}
    right = values.str.slice(17, 1).replace_strict(pos, return_dtype=pl.Int64).to_numpy()
    wrong = alphabet[(right + rng.integers(1, 31, len(values))) % 31]
    return (values.str.slice(0, 17) + pl.Series(wrong)).alias(values.name)


def org_code_only(values: pl.Series) -> pl.Series:
    """The 9-character organisation code (GB 11714) inside each USCC, as employers
    registered before the 2015 reform still write it (no hyphen)."""
    return values.str.slice(8, 9).alias(values.name)


def bad_dates(n: int, rng: np.random.Generator, compact: bool) -> pl.Series:
    """Unparseable dates as clerks type them (impossible days, words, zeros)."""
    pool = (
        ["20230230", "20231301", "00000000", "2023-5-1x", "不详", "19990431"]
        if compact
        else ["2023-02-30", "2023-13-01", "0000-00-00", "2023年5月1日", "不详", "31/04/1999"]
    )
    return pl.Series(rng.choice(np.array(pool), n))


def bad_enum_values(n: int, rng: np.random.Generator, pool: Sequence[str]) -> pl.Series:
    return pl.Series(rng.choice(np.array(list(pool)), n))


# ---- one file's rows ---------------------------------------------------------

Corruption = Callable[[pl.DataFrame, np.random.Generator], pl.Series]


@dataclass
class _Planted:
    rids: np.ndarray
    defect: str
    column: str | None
    detail: str


# Columns of :meth:`FilePlan.variants`: one row per planted identity variant.
VARIANT_SCHEMA = {"defect": pl.String, "column": pl.String, "key": pl.String, "detail": pl.String}


class FilePlan:
    """The rows of one delivered file, with defects planted and tracked by row id."""

    def __init__(
        self,
        frame: pl.DataFrame,
        rng: np.random.Generator,
        rates: DirtRates,
        *,
        key_column: str,
        key_columns: Sequence[str] | None = None,
    ) -> None:
        self.df = frame.with_row_index("_rid")
        self.rng = rng
        self.rates = rates
        self.key_column = key_column
        self.key_columns = list(key_columns or [key_column])
        self.n = frame.height
        self.used = np.zeros(self.n, dtype=bool)
        self.truncated = np.zeros(self.n, dtype=bool)
        self.planted: list[_Planted] = []
        self.mixed_eol = False  # CSV: write every other line with CRLF (file level)
        self._dups: list[np.ndarray] = []  # source rids of appended copies, per batch
        self._dup_frames: list[pl.DataFrame] = []
        self._variants: list[pl.DataFrame] = []

    # -- picking -------------------------------------------------------------

    def reserve(self, rids: np.ndarray) -> None:
        """Keep these rows free of row defects (they carry a model-level case)."""
        self.used[rids] = True

    def pick(self, rate_name: str, eligible: np.ndarray | None = None) -> np.ndarray:
        free = ~self.used if eligible is None else (~self.used & eligible)
        rids = binomial_pick(self.rng, np.flatnonzero(free), self.rates.rate(rate_name))
        self.used[rids] = True
        return rids

    def bad_citizen_ids(self, column: str, eligible: np.ndarray | None = None) -> np.ndarray:
        """A wrong check character in a sample of ``column``'s citizen IDs."""
        return self.corrupt(
            "bad_check_digit",
            column,
            "invalid_citizen_id",
            lambda s, r: corrupt_citizen_id(s[column], r),
            eligible=eligible,
            detail="wrong check char",
        )

    def legacy_citizen_ids(self, column: str) -> np.ndarray:
        """The legacy 15-digit form of a sample of ``column``'s IDs of persons born
        in the 1900s (the only ones a 15-digit ID can name)."""
        return self.corrupt(
            "legacy_15",
            column,
            "id_upgraded_15",
            lambda s, r: legacy_15(s[column]),
            eligible=self.df[column].str.slice(6, 2).eq("19").to_numpy(),
            detail="legacy 15-digit ID",
        )

    def fullwidth_digits(self, column: str) -> np.ndarray:
        """Full-width digits in a sample of ``column``'s values."""
        return self.corrupt(
            "fullwidth",
            column,
            "fullwidth_normalised",
            lambda s, r: to_fullwidth(s[column]),
            detail="full-width digits",
        )

    def padded_spaces(self, column: str) -> np.ndarray:
        """Spaces (a tab now and then) around a sample of ``column``'s values."""
        return self.corrupt(
            "whitespace",
            column,
            "whitespace_normalised",
            lambda s, r: pad_spaces(s[column], r),
            detail="padded with spaces",
        )

    def old_community_codes(self, column: str = "community_code") -> np.ndarray:
        """Pre-2017 street codes in a sample of ``column``'s community codes."""
        return self.corrupt(
            "orphan_code",
            column,
            "unknown_community",
            lambda s, r: orphan_community(s[column]),
            detail="pre-2017 street code",
        )

    def corrupt(
        self,
        rate_name: str,
        column: str,
        defect: str,
        fn: Corruption,
        *,
        detail: str = "",
        eligible: np.ndarray | None = None,
        fill_empty: bool = False,
        identity: str | None = None,
    ) -> np.ndarray:
        """Replace ``column`` in a sample of rows by ``fn(rows, rng)``; record the defect.

        Only rows with a value are eligible unless ``fill_empty`` (a defect that
        *adds* a value, like a move-out date before the move-in). With ``identity``
        (a model-level defect name, e.g. ``entity_variant``) the true value behind
        each planted variant is kept for the manifest (:meth:`variants`).
        """
        if self.rates.clean:
            return np.empty(0, dtype=np.int64)
        has_value = (
            np.ones(self.n, dtype=bool)
            if fill_empty
            else (self.df[column].is_not_null().to_numpy())
        )
        eligible = has_value if eligible is None else (eligible & has_value)
        rids = self.pick(rate_name, eligible)
        if len(rids) == 0:
            return rids
        new = fn(self.df[rids], self.rng).cast(self.df.schema[column])
        if identity is not None:
            self._variants.append(
                pl.DataFrame(
                    {
                        "defect": identity,
                        "column": column,
                        "key": new.cast(pl.String),
                        "detail": "true " + self.df[column].gather(rids).cast(pl.String),
                    },
                    schema=VARIANT_SCHEMA,
                )
            )
        self.df = self.df.with_columns(self.df[column].scatter(rids, new))
        self.planted.append(_Planted(rids, defect, column, detail))
        return rids

    def truncate(self, last_column: str, eligible: np.ndarray | None = None) -> None:
        """CSV records written with their last field missing (``field_count``)."""
        if self.rates.clean:
            return
        rids = self.pick("truncated_row", eligible)
        self.truncated[rids] = True
        self.planted.append(_Planted(rids, "field_count", last_column, "last field missing"))

    def duplicate_exact(self) -> None:
        """Exact copies of some rows, written later in the file (``duplicate_in_file``)."""
        if self.rates.clean:
            return
        src = self.pick("duplicate_row")
        if len(src):
            self._dups.append(src)
            self._dup_frames.append(self.df[src])

    def duplicate_key(self, column: str, fn: Corruption) -> None:
        """Copies with the same business key but ``column`` changed (``duplicate_key_in_file``)."""
        if self.rates.clean or column in self.key_columns:
            return
        src = self.pick("duplicate_key", self.df[column].is_not_null().to_numpy())
        if len(src):
            sub = self.df[src]
            changed = sub.with_columns(fn(sub, self.rng).cast(sub.schema[column]).alias(column))
            # a corruption that happens to reproduce the value would be an exact duplicate
            same = (changed[column] == sub[column]).fill_null(False).to_numpy()
            self._dups.append(src[~same])
            self._dup_frames.append(changed.filter(~pl.Series(same)))

    def variants(self) -> pl.DataFrame:
        """Planted identity variants: ``defect``, ``column``, ``key`` (the value as delivered),
        ``detail`` (``true <value>``), one row per distinct variant."""
        if not self._variants:
            return pl.DataFrame(schema=VARIANT_SCHEMA)
        return pl.concat(self._variants).unique(maintain_order=True)

    # -- final layout --------------------------------------------------------

    def finalize(self, *, shuffle: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Rows as written (copies placed after their originals) and planted defects.

        Returns ``(rows, defects)``; ``defects`` has ``row_number`` (1-based as
        written), ``defect``, ``column``, ``key``, ``detail``.
        """
        order = self.rng.permutation(self.n) if shuffle else np.arange(self.n)
        pos = np.empty(self.n, dtype=np.float64)
        pos[order] = np.arange(self.n, dtype=np.float64)
        frames = [self.df.with_columns(pl.Series("_pos", pos), pl.lit(False).alias("_trunc"))]
        frames[0] = frames[0].with_columns(pl.Series("_trunc", self.truncated))
        copy_records: list[pl.DataFrame] = []
        next_rid = self.n
        for kind_frame, src in zip(self._dup_frames, self._dups, strict=True):
            k = len(src)
            # strictly after the original, within a few rows, so "earlier row" is well defined
            gap = self.rng.uniform(0.1, 0.9, k) + self.rng.integers(0, 20, k)
            new_rids = np.arange(next_rid, next_rid + k)
            next_rid += k
            frames.append(
                kind_frame.with_columns(
                    pl.Series("_rid", new_rids, pl.UInt32),
                    pl.Series("_pos", pos[src] + gap),
                    pl.lit(False).alias("_trunc"),
                )
            )
            exact = kind_frame.equals(self.df[src])
            copy_records.append(
                pl.DataFrame(
                    {
                        "_rid": new_rids,
                        "defect": "duplicate_in_file" if exact else "duplicate_key_in_file",
                        "column": None,
                        "detail": "copy of an earlier row"
                        if exact
                        else "same key as an earlier row, other values differ",
                    },
                    schema={
                        "_rid": pl.Int64,
                        "defect": pl.String,
                        "column": pl.String,
                        "detail": pl.String,
                    },
                )
            )
        rows = pl.concat(frames, how="vertical").sort("_pos")
        rownum = rows.select(
            pl.col("_rid").cast(pl.Int64), (pl.int_range(pl.len()) + 1).alias("row_number")
        )
        records = [
            pl.DataFrame(
                {
                    "_rid": p.rids.astype(np.int64),
                    "defect": p.defect,
                    "column": p.column,
                    "detail": p.detail,
                },
                schema={
                    "_rid": pl.Int64,
                    "defect": pl.String,
                    "column": pl.String,
                    "detail": pl.String,
                },
            )
            for p in self.planted
        ]
        defects = (
            pl.concat([*records, *copy_records], how="vertical")
            if (records or copy_records)
            else pl.DataFrame(
                schema={
                    "_rid": pl.Int64,
                    "defect": pl.String,
                    "column": pl.String,
                    "detail": pl.String,
                }
            )
        )
        keys = rows.select(
            pl.col("_rid").cast(pl.Int64), pl.col(self.key_column).cast(pl.String).alias("key")
        )
        defects = (
            defects.join(rownum, on="_rid", how="left")
            .join(keys, on="_rid", how="left")
            .select("row_number", "defect", "column", "key", "detail")
            .sort("row_number")
        )
        return rows.drop("_pos", "_rid"), defects


def today_bad(as_of: date, n: int, rng: np.random.Generator) -> pl.Series:
    """Birth dates after ``as_of`` (1 day to 8 years ahead), ``YYYYMMDD``."""
    days = rng.integers(1, 8 * 365, n)
    d = np.datetime64(as_of) + days.astype("timedelta64[D]")
    return pl.Series(d).dt.strftime("%Y%m%d")
