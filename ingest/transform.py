"""One chunk of all-string rows → typed accepted rows + quarantined rows, per contract.

Per column: normalise (NFKC, trim), validate/parse by logical type, and record
the first quarantine reason of each row or the flags of a loaded row. Then
row checks across columns and duplicate detection across the whole file
(hashes of earlier chunks are kept in ``FileState``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from ingest import parse, validate
from ingest.contract import Column, FileKind, raw_dtype
from ingest.readers import _as_string, original_text

STRING_TYPES = {"text", "code", "enum", "citizen_id", "uscc", "phone", *validate.CODE_WIDTH}
PARSE_REASON = {
    "date": "bad_date",
    "datetime": "bad_datetime",
    "timestamptz": "bad_datetime",
    "yyyymm": "bad_month",
    "int": "bad_number",
    "decimal": "bad_number",
    "bool": "bad_bool",
    "list": "bad_enum",
}


# Typed values whose text form (``cast(pl.String)``) is one-to-one with the value.
_HASH_TYPED = (pl.Date(), pl.Datetime("us"), pl.Int64(), pl.Boolean())

_POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))


@dataclass
class FileState:
    """What one file's earlier chunks left behind for duplicate detection."""

    delivery_date: date
    reference_dir: Path
    # community codes the register of changes creates, in force on the delivery date
    # (ingest/register.py): known like the reference's
    register_communities: frozenset[str] = frozenset()
    # Row / key hashes of the file's earlier chunks (see ``_duplicates``).
    seen_rows: SeenHashes = field(default_factory=lambda: SeenHashes())
    seen_keys: SeenHashes = field(default_factory=lambda: SeenHashes())


@dataclass
class Checked:
    """Result of one column: typed values, and per-row reason/flag masks."""

    values: pl.Series
    problems: list[tuple[pl.Series, str]] = field(default_factory=list)  # (mask, code)
    notes: list[tuple[pl.Series, str]] = field(default_factory=list)  # always flags


# Values that normalisation cannot change: for identifiers and codes, upper-case ASCII
# letters and digits only (NFKC, trimming, dropping inner spaces/hyphens and
# upper-casing are no-ops on them); for phones, digits only; for other types,
# printable ASCII without spaces (NFKC and trimming are no-ops).
_CLEAN_ID = r"^[0-9A-Z]+$"
_CLEAN = {"citizen_id": _CLEAN_ID, "uscc": _CLEAN_ID, "phone": r"^[0-9]+$"}
_CLEAN_OTHER = r"^[!-~]+$"


def _normalise(values: pl.Series, col: Column) -> Checked:
    """Trim and NFKC, flagging changes to codes; only values that can change go
    through the (many-pass) normalisation: one regex pass finds them."""
    if col.type == "text":
        return _normalise_all(values, col)
    clean = values.str.contains(_CLEAN.get(col.type, _CLEAN_OTHER)).fill_null(True)
    # Series.scatter works in place: clone (cheap, copy on write) so that the caller's
    # series, a column of the chunk, is never changed under it.
    if clean.all():
        return Checked(values.clone())
    if clean.sum() < values.len() // 2:
        return _normalise_all(values, col)
    idx = (~clean).arg_true()
    part = _normalise_all(values.gather(idx), col)
    n = values.len()
    out = values.clone().scatter(idx, part.values)
    notes = [
        (pl.repeat(False, n, eager=True).scatter(idx, mask), code) for mask, code in part.notes
    ]
    return Checked(out, notes=notes)


def _normalise_all(values: pl.Series, col: Column) -> Checked:
    """Trim (all types) and NFKC (identifier-like types), flagging changes to codes."""
    if col.type == "text":
        out = values.str.strip_chars()
        return Checked(out.set(out == "", None))
    notes: list[tuple[pl.Series, str]] = []
    # Byte length differs from char length exactly when a value has non-ASCII chars.
    wide = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
    if wide.any():
        nfkc = values.str.normalize("NFKC")
        notes.append((wide & (nfkc != values).fill_null(False), "fullwidth_normalised"))
        values = values.zip_with(~wide, nfkc)
    stripped = values.str.strip_chars()
    out = stripped
    if col.type in ("citizen_id", "uscc"):
        inner = out.str.contains(" ", literal=True) | out.str.contains("-", literal=True)
        if inner.any():
            out = out.str.replace_all(r"[\s-]", "")
        out = out.str.to_uppercase()
    elif col.type == "phone":
        # Phones arrive formatted ("+86 138-0000-0000"); only the digits matter.
        messy = ~out.str.contains(r"^\d+$").fill_null(True)
        if messy.any():
            idx = messy.arg_true()
            fixed = out.gather(idx).str.replace(r"^\+?86[\s-]*(1\d)", "${1}")
            out = out.scatter(idx, fixed.str.replace_all(r"\D", ""))
    if col.type != "phone":
        spaced = stripped.str.len_bytes() != values.str.len_bytes()
        spaced = spaced | (out.str.len_bytes() != stripped.str.len_bytes())
        notes.append((spaced.fill_null(False), "whitespace_normalised"))
    out = out.set(out == "", None)
    return Checked(out, notes=notes)


NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _native(values: pl.Series, col: Column) -> Checked | None:
    """A column delivered in a physical type that already is the logical one (Parquet):
    taken as it is, no round trip through text. None if it must go through text."""
    dtype, t = values.dtype, col.type
    out: pl.Series | None = None
    bad: pl.Series | None = None
    if t == "decimal" and (dtype.is_float() or dtype in NUMERIC):
        out = values.cast(pl.Float64)
        bad = (out.is_nan() | out.is_infinite()).fill_null(False)
        out = out.set(bad, None)
    elif t == "int" and dtype in NUMERIC:
        out = values.cast(pl.Int64, strict=False)
        bad = out.is_null() & values.is_not_null()
    elif (t, dtype) in (("bool", pl.Boolean), ("date", pl.Date)):
        out = values
    elif t in ("datetime", "timestamptz") and isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            values = values.dt.convert_time_zone(parse.LOCAL_TZ).dt.replace_time_zone(None)
        out = values.cast(pl.Datetime("us"))
    elif t == "date" and isinstance(dtype, pl.Datetime):
        return None  # a timestamp for a date: the text path checks the time part
    if out is None:
        return None
    checked = Checked(out.alias(col.name))
    if bad is not None:
        checked.problems.append((bad, PARSE_REASON[t]))
    return checked


# A text column is checked once per run of equal consecutive values when its first
# RUN_PROBE values have at most RUN_SHARE runs per value, and the whole column too
# (deliveries sorted by person or employer repeat a value on consecutive rows).
RUN_PROBE = 2048
RUN_SHARE = 0.5


def check_column(values: pl.Series, col: Column, state: FileState) -> Checked:
    """Normalise, then validate or parse one column of a chunk.

    Every check is per value, so a text column whose values come in runs (the same
    ID on a person's five contribution rows) is checked on the first value of each
    run and the results are spread over the run's rows (``_by_runs``)."""
    if values.dtype == pl.String and values.len() > RUN_PROBE:
        heads = _run_heads(values.head(RUN_PROBE))
        if heads.sum() <= RUN_SHARE * RUN_PROBE:
            heads = _run_heads(values)
            if heads.sum() <= RUN_SHARE * values.len():
                return _by_runs(values, heads, col, state)
    return _check_values(values, col, state)


def _run_heads(values: pl.Series) -> pl.Series:
    """True where a value differs from the one before (nulls equal each other); the
    first row always starts a run."""
    heads = values.ne_missing(values.shift(1))
    return heads.scatter(0, True) if heads.len() else heads


def _by_runs(values: pl.Series, heads: pl.Series, col: Column, state: FileState) -> Checked:
    """``_check_values`` of the first value of each run, spread over each run's rows.
    A column whose checked text equals what was delivered keeps the delivered series
    (no gathered copy of it)."""
    firsts = values.filter(heads)
    part = _check_values(firsts, col, state)
    run = (heads.cast(pl.UInt32).cum_sum() - 1).alias("run")
    same = part.values.dtype == pl.String and bool(
        part.values.equals(firsts.alias(part.values.name), check_names=False, null_equal=True)
    )
    out = values.clone().alias(col.name) if same else part.values.gather(run)
    return Checked(
        out,
        problems=[(mask.gather(run), code) for mask, code in part.problems],
        notes=[(mask.gather(run), code) for mask, code in part.notes],
    )


def _check_values(values: pl.Series, col: Column, state: FileState) -> Checked:
    """Normalise, then validate or parse the values of one column."""
    if values.dtype != pl.String:
        native = _native(values, col)
        if native is not None:
            return native
        values = _as_string(values.to_frame()).to_series()
    if col.type in validate.CODE_WIDTH:
        return _codes(values, col, state)
    if col.type == "citizen_id":
        return _citizen_ids(values, col)
    if col.type == "uscc":
        return _usccs(values, col)
    checked = _normalise(values, col)
    v = checked.values
    t = col.type
    present = v.is_not_null()
    if t == "citizen_id":
        v, upgraded = validate.upgrade_ric15(v)
        checked.notes.append((upgraded, "id_upgraded_15"))
        checked.problems.append((~validate.ric_valid(v).fill_null(True), "invalid_citizen_id"))
    elif t == "uscc":
        checked.problems.append((~validate.uscc_valid(v).fill_null(True), "invalid_uscc"))
    elif t in validate.CODE_WIDTH:
        fmt = validate.code_format_valid(v, t).fill_null(True)
        checked.problems.append((~fmt, "invalid_code"))
        known = validate.community_known(v, _communities(state))
        checked.notes.append((fmt & present & ~known, "unknown_community"))
    elif t == "enum":
        allowed = col.values or []
        outside = ~v.is_in(allowed).fill_null(True)
        if outside.any():
            # Liberal: "Active" for "active"; anything else stays and is reported.
            folded = {a.casefold(): a for a in allowed}
            idx = outside.arg_true()
            odd = v.gather(idx)
            v = v.scatter(idx, odd.str.to_lowercase().replace_strict(folded, default=odd))
            outside = ~v.is_in(allowed).fill_null(True)
        checked.problems.append((outside, "bad_enum"))
    elif t == "phone":
        n = v.str.len_chars()
        checked.problems.append((present & ((n < 7) | (n > 12)).fill_null(False), "bad_phone"))
    elif t in PARSE_REASON:
        v, bad = _parse(v, col)
        checked.problems.append((bad.fill_null(False), PARSE_REASON[t]))
    checked.values = v.alias(col.name)
    return checked


def _spread(mask: pl.Series, idx: pl.Series, n: int, base: np.ndarray | None = None) -> pl.Series:
    """A mask over the rows ``idx`` of a column of ``n`` rows → a mask over all rows
    (False, or ``base``, elsewhere)."""
    out = np.zeros(n, dtype=bool) if base is None else base
    out[idx.to_numpy()] = mask.fill_null(False).to_numpy()
    return pl.Series(mask.name, out)


def _check_split(
    values: pl.Series,
    col: Column,
    fast: np.ndarray,
    slow_check: Callable[[Checked], None],
    problems: Sequence[tuple[np.ndarray, str]] = (),
    notes: Sequence[tuple[np.ndarray, str]] = (),
) -> Checked:
    """Check a column in two parts. The rows ``fast`` hold values that normalisation
    cannot change (nearly all of a delivery): the caller checked them in numpy, and
    ``problems`` / ``notes`` are their (mask over the rows ``fast``, code) marks. The
    other non-null values are gathered, normalised, checked by ``slow_check`` (which
    may change ``part.values`` and adds its marks to ``part``, every code of
    ``problems`` / ``notes`` among them) and put back in place (all checks are per
    value). Null values are in neither part and get no marks."""
    n = values.len()
    base: dict[str, np.ndarray] = {}
    for mask, code in (*problems, *notes):
        base[code] = np.zeros(n, dtype=bool)
        base[code][fast] = mask
    slow = np.ones(n, dtype=bool)
    slow[fast] = False
    slow &= values.is_not_null().to_numpy()
    checked = Checked(values.clone().alias(col.name))
    if not slow.any():
        checked.problems = [(pl.Series(col.name, base[code]), code) for _, code in problems]
        checked.notes = [(pl.Series(col.name, base[code]), code) for _, code in notes]
        return checked
    idx = pl.Series(np.flatnonzero(slow), dtype=pl.UInt32)
    part = _normalise(values.gather(idx), col)
    slow_check(part)
    checked.values = checked.values.scatter(idx, part.values)
    checked.problems = [(_spread(m, idx, n, base.get(c)), c) for m, c in part.problems]
    checked.notes = [(_spread(m, idx, n, base.get(c)), c) for m, c in part.notes]
    return checked


def _citizen_ids(values: pl.Series, col: Column) -> Checked:
    """Citizen IDs: values already 18 clean characters (nearly all) are checked in
    numpy; the others are normalised, upgraded from 15 digits and checked as before,
    and put back in place (all checks are per value)."""

    def slow_check(part: Checked) -> None:
        part.values, upgraded = validate.upgrade_ric15(part.values)
        part.notes.append((upgraded, "id_upgraded_15"))
        part.problems.append(
            (~validate.ric_valid(part.values).fill_null(True), "invalid_citizen_id")
        )

    fast, valid = validate.ric18_rows(values)
    return _check_split(values, col, fast, slow_check, problems=[(~valid, "invalid_citizen_id")])


def _usccs(values: pl.Series, col: Column) -> Checked:
    """USCCs: values already in the USCC format (nearly all) are checked in numpy; the
    others are normalised and checked as before, and put back in place."""

    def slow_check(part: Checked) -> None:
        part.problems.append((~validate.uscc_valid(part.values).fill_null(True), "invalid_uscc"))

    fast, valid = validate.uscc18_rows(values)
    return _check_split(values, col, fast, slow_check, problems=[(~valid, "invalid_uscc")])


def _communities(state: FileState) -> frozenset[str]:
    """The communities a code may name on the delivery date: the NBS reference and the
    ones the register of changes created."""
    reference = validate.current_communities(state.reference_dir)
    return reference | state.register_communities if state.register_communities else reference


def _codes(values: pl.Series, col: Column, state: FileState) -> Checked:
    """A code column: values that are digits of the right width (nearly all) need no
    normalisation and have a valid format, only the community check; the others go
    through the regex path and are put back in place (all checks are per value)."""
    communities = _communities(state)

    def slow_check(part: Checked) -> None:
        v = part.values
        fmt = validate.code_format_valid(v, col.type).fill_null(True)
        known = validate.community_known(v, communities)
        part.problems.append((~fmt, "invalid_code"))
        part.notes.append((fmt & v.is_not_null() & ~known, "unknown_community"))

    fast, mat = validate.all_digit_codes(values, col.type)
    unknown = ~validate.community_known_digits(mat, communities)
    return _check_split(values, col, fast, slow_check, notes=[(unknown, "unknown_community")])


def _parse(v: pl.Series, col: Column) -> tuple[pl.Series, pl.Series]:
    t = col.type
    if t == "date":
        return parse.parse_date(v, col.formats)
    if t == "datetime":
        return parse.parse_datetime(v, col.formats)
    if t == "timestamptz":
        return parse.parse_timestamptz(v)
    if t == "yyyymm":
        return parse.parse_yyyymm(v)
    if t == "int":
        return parse.parse_int(v)
    if t == "decimal":
        return parse.parse_decimal(v)
    if t == "bool":
        return parse.parse_bool(v)
    return parse.parse_list(v, col.separator)


def transform_chunk(
    rows: pl.DataFrame, fk: FileKind, state: FileState, file_flags: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed accepted rows (contract names + ``_row_number``, ``_flags``) and quarantined
    rows (``_row_number, reason_code, column_name, detail, _original``)."""
    # All columns in one chunk each. polars 2.1 panics ("assertion failed: i <
    # self.len()", in the string kernel of pl.format/concat_str below) on a frame whose
    # columns have different chunk layouts, e.g. rows from polars' multi-threaded
    # JSON reader (3 chunks per column) next to our 1-chunk ``_row_number``: after the
    # quarantine filter the reason/column series came out as chunks of 0, 0 and 2 rows.
    # Reproduced with sjlz_20261002_00.jsonl of a 10% district sample; this is the
    # district-scale panic reported from this function. Rechunking (a no-op for
    # single-chunk columns) makes every frame below uniformly chunked.
    rows = rows.rechunk()
    n = rows.height
    typed: list[pl.Series] = []
    strings: list[pl.Series] = []
    masks: list[pl.Series] = []
    rules: list[tuple[str, str, str]] = []  # (mask column, reason code, source column)
    flags: list[tuple[str | None, str]] = [(None, code) for code in file_flags]  # (mask, label)
    inputs = [rows[c.name] if c.name in rows.columns else _const(None, n) for c in fk.columns]
    # polars and numpy release the GIL: columns are checked on all cores at once.
    results = _POOL.map(lambda raw, col: check_column(raw, col, state), inputs, fk.columns)

    def mask_col(mask: pl.Series) -> str | None:
        if mask.null_count():
            mask = mask.fill_null(False)
        if not mask.any():
            return None
        masks.append(mask.alias(f"_m{len(masks)}"))
        return masks[-1].name

    for raw, col, checked in zip(inputs, fk.columns, results, strict=True):
        typed.append(checked.values.cast(raw_dtype(col)))
        # Duplicate detection hashes what was delivered, normalised: text as text,
        # natively typed values as they are. A parsed date, timestamp, integer or
        # boolean is hashed as its typed value: two values are equal exactly when their
        # text forms are, and formatting them (0.15 s per 400k timestamps) is skipped.
        # Decimals stay text: -0.0 and 0.0 hash alike as floats, not as text.
        as_text = raw.dtype == pl.String and col.type != "list"
        if not as_text:
            strings.append(raw)
        elif checked.values.dtype in _HASH_TYPED:
            strings.append(checked.values)
        else:
            strings.append(checked.values.cast(pl.String))
        problems = list(checked.problems)
        if col.required:
            problems.insert(0, (checked.values.is_null(), "missing_required"))
        for mask, code in problems:
            name = mask_col(mask)
            if name is None:
                continue
            if col.on_invalid == "quarantine" or code == "missing_required":
                rules.append((name, code, col.source))
            else:
                flags.append((name, f"{code}:{col.name}"))
        for mask, code in checked.notes:
            name = mask_col(mask)
            if name is not None:
                flags.append((name, f"{code}:{col.name}"))
    typed_frame = pl.DataFrame(typed)
    for rc in fk.checks:
        if rc.check == "not_in_future":
            check = pl.col(rc.column) > pl.lit(state.delivery_date)
        else:
            check = pl.col(rc.column) < pl.col(rc.other)
        name = mask_col(typed_frame.select(check).to_series())
        if name is not None:
            flags.append((name, rc.flag))
    text = pl.DataFrame([s.alias(f"_{i}") for i, s in enumerate(strings)])
    key_cols = [f"_{i}" for i, c in enumerate(fk.columns) if c.name in fk.key]
    # Everything per row is one frame and passes of expressions over it (first reason
    # in column order, flags joined in order): no Series.set / zip_with juggling of
    # separately chunked series (see _duplicates for the panic this replaced).
    frame = pl.DataFrame(
        [
            rows["_row_number"],
            *typed,
            *masks,
            text.select(key_cols).hash_rows().alias("_k")
            if key_cols
            else pl.repeat(0, n, dtype=pl.UInt64, eager=True).alias("_k"),
            text.hash_rows().alias("_h"),
        ]
    )
    frame = frame.with_columns(_f=_labels(frame, flags))
    none = pl.lit(None, pl.String)
    if rules:
        frame = frame.with_columns(
            pl.coalesce([pl.when(pl.col(m)).then(pl.lit(c)) for m, c, _ in rules] + [none]).alias(
                "reason"
            ),
            pl.coalesce([pl.when(pl.col(m)).then(pl.lit(s)) for m, _, s in rules] + [none]).alias(
                "column"
            ),
        )
        is_bad = frame["reason"].is_not_null()
        quarantined = frame.filter(is_bad)
        accepted = frame.filter(~is_bad)
    else:
        is_bad = pl.repeat(False, n, eager=True)
        quarantined = frame.clear().with_columns(reason=none, column=none)
        accepted = frame
    # The original text is carried only for the (few) quarantined rows.
    if "_original" in rows.columns:
        original = rows["_original"].filter(is_bad)
    else:
        original = original_text(rows.filter(is_bad))
    bad = quarantined.rechunk().select(
        "_row_number",
        pl.col("reason").alias("reason_code"),
        pl.col("column").alias("column_name"),
        pl.format("{} failed {}", pl.col("column"), pl.col("reason")).alias("detail"),
        original.alias("_original"),
    )
    dup_row, dup_key = _duplicates(accepted, state)
    accepted = accepted.with_columns(
        pl.Series("_d1", dup_row),
        pl.Series("_d2", dup_key),
        pl.col("_f").is_not_null().alias("_any"),
    )
    final = _labels(
        accepted,
        [("_any", ""), ("_d1", "duplicate_in_file"), ("_d2", "duplicate_key_in_file")],
    )
    return accepted.select("_row_number", *[c.name for c in fk.columns], final.alias("_flags")), bad


def _labels(frame: pl.DataFrame, flags: list[tuple[str | None, str]]) -> pl.Series:
    """``|``-joined labels of the set masks per row (NULL where none), built only for
    the rows that have any (a few percent): ``(None, label)`` is set on every row,
    ``(mask, "")`` means the row's existing ``_f`` text."""
    n = frame.height
    out = pl.repeat(None, n, dtype=pl.String, eager=True).alias("_f")
    if not flags:
        return out
    if any(m is None for m, _ in flags):
        idx = pl.int_range(n, eager=True, dtype=pl.UInt32)
    else:
        idx = frame.select(pl.any_horizontal([pl.col(m) for m, _ in flags])).to_series().arg_true()
    if idx.len() == 0:
        return out
    sub = frame[idx]
    parts: list[pl.Expr] = []
    for m, label in flags:
        if m is None:
            parts.append(pl.lit(label))
        elif label == "":
            parts.append(pl.col("_f"))
        else:
            parts.append(pl.when(pl.col(m)).then(pl.lit(label)))
    joined = sub.select(_nonempty(pl.concat_str(parts, separator="|", ignore_nulls=True)))
    return out.scatter(idx, joined.to_series())


def _nonempty(text: pl.Expr) -> pl.Expr:
    """concat_str(ignore_nulls=True) of nothing but nulls is "": make that NULL."""
    return pl.when(text != "").then(text)


def _const(value: str | None, n: int) -> pl.Series:
    return pl.repeat(value, n, dtype=pl.String, eager=True)


class SeenHashes:
    """The 64-bit hashes of a file's earlier chunks, for "did this hash occur before?".

    Kept as sorted runs (one per chunk, merged into one when there are
    ``MAX_RUNS``) behind a bit filter: one bit per slot of the hash's top bits, 32
    to 256 slots per hash (it grows 4x when full and is rebuilt from the runs),
    at most 2^31 bits (256 MB). A query whose bit is clear is new for certain;
    only the few whose bit is set (the repeats, and 1-3% false positives) are
    looked up in the runs with ``searchsorted``. This replaced sorted lookups of
    every hash in every run plus a log-structured merge of the runs, which took
    twice the time (bench/duplicates.py).
    """

    MAX_RUNS = 32

    def __init__(self, min_bits: int = 20, max_bits: int = 31) -> None:
        self.runs: list[np.ndarray] = []
        self.count = 0
        self.max_bits = max_bits
        self.nbits = min_bits
        self.bits = np.zeros(1 << (min_bits - 3), dtype=np.uint8)

    def _byte_bit(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each hash's filter slot (its top ``nbits`` bits) as a byte index and bit mask."""
        slot = (hashes >> np.uint64(64 - self.nbits)).astype(np.uint32)
        return slot >> 3, np.left_shift(np.uint8(1), (slot & 7).astype(np.uint8))

    def _set(self, hashes: np.ndarray) -> None:
        byte, bit = self._byte_bit(hashes)
        # Buffered |= is fast but keeps one of several bits aimed at one byte: those
        # (rare at this fill) are set again one by one.
        self.bits[byte] |= bit
        lost = (self.bits[byte] & bit) == 0
        if lost.any():
            np.bitwise_or.at(self.bits, byte[lost], bit[lost])

    def contains(self, ordered: np.ndarray) -> np.ndarray:
        """Whether each of the sorted hashes ``ordered`` is in an earlier chunk."""
        hit = np.zeros(ordered.size, dtype=bool)
        if not self.runs:
            return hit
        byte, bit = self._byte_bit(ordered)
        maybe = np.flatnonzero(self.bits[byte] & bit)
        query = ordered[maybe]
        found = np.zeros(query.size, dtype=bool)
        for run in self.runs:
            pos = np.minimum(np.searchsorted(run, query), run.size - 1)
            found |= run[pos] == query
        hit[maybe] = found
        return hit

    def add(self, ordered: np.ndarray) -> None:
        """Remember a chunk's sorted hashes."""
        if not ordered.size:
            return
        self.count += ordered.size
        self.runs.append(ordered)
        if len(self.runs) > self.MAX_RUNS:
            self.runs = [np.sort(np.concatenate(self.runs))]
        want = (self.count * 32).bit_length()
        if want > self.nbits and self.nbits < self.max_bits:
            self.nbits = min(self.max_bits, want + 2)
            self.bits = np.zeros(1 << (self.nbits - 3), dtype=np.uint8)
            for run in self.runs:
                self._set(run)
        else:
            self._set(ordered)


def _repeated(hashes: np.ndarray, seen: SeenHashes) -> np.ndarray:
    """Whether each hash occurred before: earlier in this chunk, or in an earlier
    chunk (``seen``, which this chunk is then added to).

    One sort serves both: in sorted order a hash equal to its left neighbour is a
    repeat within the chunk, and the sorted chunk is what ``seen`` looks up and
    keeps. The sort is numpy's unstable one (SIMD, 3.5x faster than the stable
    sort), so within a group of equal hashes the one first in file order is found
    afterwards (a few groups per chunk).
    """
    order = np.argsort(hashes)
    ordered = hashes[order]
    equal = ordered[1:] == ordered[:-1]
    hit = seen.contains(ordered)
    earlier = hit.copy()
    hit[1:] |= equal
    found = np.empty(hashes.size, dtype=bool)
    found[order] = hit
    if equal.any():
        at = np.flatnonzero(equal)
        members = np.unique(np.concatenate([at, at + 1]))  # sorted positions in groups
        heads = np.flatnonzero(np.r_[True, ordered[members[1:]] != ordered[members[:-1]]])
        first = np.minimum.reduceat(order[members], heads)  # first in file order
        found[order[members]] = True
        found[first] = earlier[members[heads]]
    seen.add(ordered)
    return found


def _duplicates(accepted: pl.DataFrame, state: FileState) -> tuple[np.ndarray, np.ndarray]:
    """Exact duplicates of an earlier row of the file, and earlier keys with other values.

    Earlier chunks are remembered in ``SeenHashes``. Sorted numpy runs replaced
    ``Series.is_in(seen.implode())`` against a growing polars frame (``pl.concat``
    of every earlier chunk, never rechunked), which rebuilt a hash table of all
    earlier rows for each chunk: quadratic, most of the transform time of a
    14M-row file.

    (The district-scale polars panic was not here: see the rechunk at the top of
    ``transform_chunk``.)
    """
    # The two are independent and numpy sorts and searches without the GIL.
    keys = _POOL.submit(_repeated, accepted["_k"].to_numpy(), state.seen_keys)
    dup_row = _repeated(accepted["_h"].to_numpy(), state.seen_rows)
    dup_key = keys.result()
    dup_key &= ~dup_row
    return dup_row, dup_key
