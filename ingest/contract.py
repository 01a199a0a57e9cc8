"""Feed contracts: one YAML file per feed in ``ingest/feeds/``, validated here.

A contract says, for every file kind of a feed, how to find it in a delivery
folder, how to decode it and what every column is. Adding a feed means adding
one YAML file; nothing else in the ingest names a feed.

Raw column names are ASCII (the source header, lowercased, or the pinyin
initials of a Chinese header) so the same raw layer reads the same on DuckDB
and on Spark; staging renames them to English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

FEEDS_DIR = Path(__file__).parent / "feeds"

# Logical column types. Identifier types are normalised (full-width to ASCII,
# whitespace stripped, upper-cased) and validated; see ingest/validate.py.
ColumnType = Literal[
    "text",  # free text: whitespace trimmed, nothing else changed
    "code",  # short code (ethnicity, industry, enum-like): NFKC + trim
    "enum",  # one of `values`
    "citizen_id",  # GB 11643 18 chars (legacy 15-digit upgraded)
    "uscc",  # GB 32100 18 chars
    "community_code",  # 12-digit NBS code
    "grid_code",  # 15 digits
    "building_code",  # 17 digits
    "room_code",  # 25 digits
    "phone",  # digits only after normalisation
    "date",  # calendar date; accepted formats in `formats`
    "datetime",  # local Asia/Shanghai timestamp without offset
    "timestamptz",  # ISO 8601 with offset, stored as UTC
    "yyyymm",  # a month as YYYYMM
    "int",
    "decimal",
    "bool",
    "list",  # JSON array or `separator`-joined text, stored as list[str]
]

# The raw layer's column types, defined once (DESIGN.md "Raw layer"): logical type
# -> (the polars type the ingest writes to Parquet, the DuckDB type of the
# `raw.<kind>` view). Every logical type not listed is a string.
RAW_TYPES: dict[str, tuple[pl.DataType, str]] = {
    "date": (pl.Date(), "DATE"),
    "datetime": (pl.Datetime("us"), "TIMESTAMP"),
    "timestamptz": (pl.Datetime("us"), "TIMESTAMP"),
    "yyyymm": (pl.Date(), "DATE"),
    "int": (pl.Int64(), "BIGINT"),
    "decimal": (pl.Float64(), "DOUBLE"),
    "bool": (pl.Boolean(), "BOOLEAN"),
    "list": (pl.List(pl.String), "VARCHAR[]"),
}
RAW_STRING: tuple[pl.DataType, str] = (pl.String(), "VARCHAR")
# Lineage columns the ingest adds to every raw row, with the same two types.
LINEAGE_TYPES: dict[str, tuple[pl.DataType, str]] = {
    "_feed": RAW_STRING,
    "_delivery_date": (pl.Date(), "DATE"),
    "_file": RAW_STRING,
    "_file_sha256": RAW_STRING,
    "_row_number": (pl.Int64(), "BIGINT"),
    "_batch_id": RAW_STRING,
    "_loaded_at": (pl.Datetime("us"), "TIMESTAMP"),
    "_flags": RAW_STRING,
}
LINEAGE: dict[str, pl.DataType] = {name: types[0] for name, types in LINEAGE_TYPES.items()}
# The row fingerprints of a kind whose contract asks for them (`fingerprint: true`):
# 64-bit hashes, stored as signed BIGINT (Spark reads no unsigned 64-bit Parquet),
# of the values the raw layer stores (after normalisation; lineage and flags
# excluded) - `_row_hash` of the row's data columns, `_key_hash` of its business
# key (the contract's `key`). Two rows with the same `_row_hash` hold the same
# values: a corrected re-delivery is compared with the rows the warehouse holds
# by it, so a build writes only the rows that changed (fct_contributions); the
# key hash lets the duplicate rule find a repeated key's rows by one integer.
# polars' hash is stable within one polars version (pinned): after an upgrade the
# fingerprints of new files differ from the old files', so the next correction
# of an old month is written whole, once - never wrongly kept.
FINGERPRINT = "_row_hash"
KEY_FINGERPRINT = "_key_hash"
FINGERPRINT_TYPES: tuple[pl.DataType, str] = (pl.Int64(), "BIGINT")
# a fixed seed: the fingerprint of a row must not change between ingest runs
_FINGERPRINT_SEED = 0x7A68_6977_616E_6721


def raw_dtype(col: Column) -> pl.DataType:
    """The polars type of a column in the raw layer."""
    return RAW_TYPES.get(col.type, RAW_STRING)[0]


def raw_sql_type(col: Column) -> str:
    """The DuckDB type of a column in the `raw.<kind>` view."""
    return RAW_TYPES.get(col.type, RAW_STRING)[1]


def raw_sql_types(kind: FileKind) -> dict[str, str]:
    """Every column of a kind's raw view, lineage included, with its DuckDB type."""
    return (
        {c.name: raw_sql_type(c) for c in kind.columns}
        | {name: types[1] for name, types in LINEAGE_TYPES.items()}
        | (
            {FINGERPRINT: FINGERPRINT_TYPES[1], KEY_FINGERPRINT: FINGERPRINT_TYPES[1]}
            if kind.fingerprint
            else {}
        )
    )


def fingerprints(kind: FileKind) -> list[pl.Expr]:
    """The row and key fingerprints (FINGERPRINT, KEY_FINGERPRINT) of a frame holding
    ``kind``'s data columns in their raw types."""

    def hashed(columns: list[str], name: str) -> pl.Expr:
        return (
            pl.struct([pl.col(c) for c in columns])
            .hash(seed=_FINGERPRINT_SEED)
            .reinterpret(signed=True)
            .alias(name)
        )

    return [
        hashed([c.name for c in kind.columns], FINGERPRINT),
        hashed([c.name for c in kind.columns if c.name in kind.key], KEY_FINGERPRINT),
    ]


# Severity of an invalid value: `quarantine` the whole row, or `flag` it and
# keep the row (the value stays as delivered, normalised, with a flag).
OnInvalid = Literal["quarantine", "flag"]

# Default cap on one record (a line, or a multiline CSV record): the longest real
# records (12345 hotline texts) are a few KB.
MAX_RECORD_BYTES = 64 << 10


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="Header / JSON key / Parquet column as delivered.")
    name: str = Field(description="Raw-layer column name (ASCII snake_case).")
    type: ColumnType
    required: bool = False
    on_invalid: OnInvalid = "quarantine"
    pii: bool = Field(default=False, description="Personal data: never logged, pseudonymised.")
    values: list[str] | None = None
    formats: list[str] | None = None
    separator: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> Column:
        if self.type == "enum" and not self.values:
            raise ValueError(f"enum column {self.name} needs `values`")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"raw column name {self.name!r} must be ASCII snake_case")
        return self


class RowCheck(BaseModel):
    """A rule across one row's values; a failing row is loaded with ``flag``."""

    model_config = ConfigDict(extra="forbid")

    check: Literal["not_in_future", "not_before"] = Field(
        description="not_in_future: `column` after the delivery date; "
        "not_before: `column` earlier than `other`."
    )
    column: str
    other: str | None = None
    flag: str


class FileKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="Short name, also the raw table name: raw.<kind>.")
    description: str
    pattern: str = Field(description="Regex on the file name; group `stamp` is the file's date.")
    format: Literal["csv", "jsonl", "xlsx", "parquet"]
    encoding: Literal["utf-8", "utf-8-sig", "gbk", "gb18030"] = "utf-8"
    separator: str = ","
    sheet: str | None = None
    delivery: Literal["changes", "snapshot", "append", "monthly"]
    cadence: Literal["hourly", "daily", "weekly", "monthly"]
    multiline: bool = Field(
        default=False,
        description="CSV: a quoted field may hold line breaks, so a record may span lines. "
        "If false, every physical line is one record and a quote that does not close on "
        "its line quarantines that line (unbalanced_quote).",
    )
    record_start: str | None = Field(
        default=None,
        description="Regex a line matches when it can start a record; after an unbalanced "
        "quote, reading resumes at the next such line (multiline kinds).",
    )
    max_record_bytes: int = Field(
        default=MAX_RECORD_BYTES,
        gt=0,
        description="Longer records are quarantined (record_too_long); memory stays bounded.",
    )
    key: list[str] = Field(description="Business key of a row (for duplicate detection).")
    fingerprint: bool = Field(
        default=False,
        description="The ingest adds each row's fingerprints (_row_hash of its data "
        "columns, _key_hash of its key): for kinds re-delivered whole with few rows "
        "changed (a corrected month), so the warehouse writes only the rows that changed.",
    )
    columns: list[Column]
    checks: list[RowCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> FileKind:
        names = [c.name for c in self.columns]
        for rc in self.checks:
            if {rc.column, rc.other or rc.column} - set(names):
                raise ValueError(f"{self.kind}: check {rc.flag} names unknown columns")
            if (rc.check == "not_before") != (rc.other is not None):
                raise ValueError(f"{self.kind}: check {rc.flag}: `other` iff not_before")
        if len(set(names)) != len(names):
            raise ValueError(f"{self.kind}: duplicate column names")
        missing = set(self.key) - set(names)
        if missing:
            raise ValueError(f"{self.kind}: key columns {missing} not in columns")
        if self.multiline and self.format != "csv":
            raise ValueError(f"{self.kind}: only CSV records can span lines (multiline)")
        if self.record_start is not None:
            re.compile(self.record_start)
        if "stamp" not in re.compile(self.pattern).groupindex:
            raise ValueError(f"{self.kind}: pattern needs a (?P<stamp>...) group")
        return self

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


class Feed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feed: str
    title: str
    owner: str
    description: str
    files: list[FileKind]


@lru_cache(maxsize=1)
def load_feeds(directory: Path = FEEDS_DIR) -> dict[str, Feed]:
    """All feed contracts by feed name, validated."""
    feeds: dict[str, Feed] = {}
    for path in sorted(directory.glob("*.yaml")):
        feed = Feed.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        if path.stem != feed.feed:
            raise ValueError(f"{path.name}: file name must be <feed>.yaml, got feed {feed.feed}")
        feeds[feed.feed] = feed
    kinds = [fk.kind for feed in feeds.values() for fk in feed.files]
    if len(set(kinds)) != len(kinds):
        raise ValueError("file kinds must be unique across feeds")
    return feeds


def match_file(feed: Feed, file_name: str) -> tuple[FileKind, str] | None:
    """The file kind a delivered file belongs to, and its date stamp."""
    for fk in feed.files:
        m = fk.regex.fullmatch(file_name)
        if m:
            return fk, m.group("stamp")
    return None
