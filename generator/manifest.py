"""Ground-truth manifest of planted defects and cases (docs/DESIGN.md).

One row per planted defect or case: ``defect, level, feed, file_kind,
delivery_date, file, row_number, column, key, detail``. Defect names of
``row`` level are the ingest's reason/flag codes they must end up as
(``invalid_citizen_id``, ``id_upgraded_15``, ``fullwidth_normalised``,
``whitespace_normalised``, ``birth_date_in_future``, ``move_out_before_move_in``,
``duplicate_in_file``, ``duplicate_key_in_file``, ``unknown_community``,
``bad_date``, ``bad_datetime``, ``bad_month``, ``field_count``, ``bad_enum``,
``end_before_start``, ``invalid_uscc``, and the damaged CSV records
``unbalanced_quote``, ``nul_byte``, ``record_too_long``). ``file`` level:
``gbk_encoding``, ``identical_redelivery``, ``corrected_redelivery``,
``missing_success``, ``mixed_line_endings`` (all rows must load), ``symlink`` (a
link named like a delivery file: the ingest must refuse it).
``model`` level: see ``MODEL_DEFECTS``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

SCHEMA: dict[str, pl.DataType] = {
    "defect": pl.String(),
    "level": pl.String(),
    "feed": pl.String(),
    "file_kind": pl.String(),
    "delivery_date": pl.Date(),
    "file": pl.String(),
    "row_number": pl.Int64(),
    "column": pl.String(),
    "key": pl.String(),
    "detail": pl.String(),
}

MODEL_DEFECTS = {
    "name_conflict": "grid/self record spells the register's name differently (key: citizen ID)",
    "phone_conflict": "grid/self record has another phone than the register",
    "residence_conflict": "grid/self record puts the person in another room than the register",
    "cross_channel_duplicate": "the same person collected by both grid and self channels",
    "upstream_delete": "register or rental record deleted upstream (CZLX/op = D)",
    "event_late_state": "an event state delivered in a later day's file than its time",
    "event_out_of_order": "an event's states out of seq order within one file",
    "event_closed_before_reported": "closed time earlier than reported time",
    "event_closed_equals_update": "closed time identical to the previous state's time",
    "duplicate_incident": "a second event for one incident within minutes and metres",
    "shared_room_entities": "residential room registered as premises of ~200 companies",
    "xc_assistance_legal_rep": "assistance recipient is legal rep of an active company",
    "xc_assistance_high_base": "assistance recipient with a high contribution base",
    "xc_insured_no_residence": "insured person with no residence record",
    "xc_entity_no_building": "entity premises room code whose building does not exist",
    "xc_building_over_capacity": "building with more registered entities than rooms",
    # identity variants: the golden-record matching (docs/GOLDEN_RECORDS.md) is
    # measured against these (key: the value or event as delivered, detail: 'true <id>')
    "entity_variant": "an entity named by a variant of its USCC (key: the variant as delivered)",
    "building_variant": "an event located by coordinates only (key: event id)",
    # the planted geography change (docs/GEOGRAPHY.md): by default on the middle delivery date
    "geography_change": "a register line of the planted change (key: predecessor code)",
    "old_code_after_change": (
        "a row delivered after the change with a retired grid or community code "
        "(key: event id, record id, building code, payment id or citizen ID)"
    ),
}


class Manifest:
    """Collects manifest rows while the feeds are written."""

    def __init__(self) -> None:
        self._parts: list[pl.DataFrame] = []

    def add_file_rows(
        self,
        rows: pl.DataFrame,
        *,
        feed: str,
        file_kind: str,
        delivery_date: date,
        file: str,
    ) -> None:
        """Row-level defects of one written file (``row_number, defect, column, key, detail``)."""
        if rows.height == 0:
            return
        self._parts.append(
            rows.with_columns(
                pl.lit("row").alias("level"),
                pl.lit(feed).alias("feed"),
                pl.lit(file_kind).alias("file_kind"),
                pl.lit(delivery_date, pl.Date).alias("delivery_date"),
                pl.lit(file).alias("file"),
            ).select([pl.col(c).cast(t) for c, t in SCHEMA.items()])
        )

    def add_variants(
        self,
        variants: pl.DataFrame,
        *,
        feed: str,
        file_kind: str,
        delivery_date: date,
        file: str,
    ) -> None:
        """Model-level identity variants of one file (``defect, column, key, detail``)."""
        if variants.height == 0:
            return
        self._parts.append(
            variants.with_columns(
                pl.lit("model").alias("level"),
                pl.lit(feed).alias("feed"),
                pl.lit(file_kind).alias("file_kind"),
                pl.lit(delivery_date, pl.Date).alias("delivery_date"),
                pl.lit(file).alias("file"),
                pl.lit(None, pl.Int64).alias("row_number"),
            ).select([pl.col(c).cast(t) for c, t in SCHEMA.items()])
        )

    def add(
        self,
        defect: str,
        level: str,
        feed: str,
        *,
        file_kind: str | None = None,
        delivery_date: date | None = None,
        file: str | None = None,
        keys: pl.Series | list[str] | None = None,
        column: str | None = None,
        detail: str | pl.Series | None = None,
    ) -> None:
        """File- or model-level entries: one row, or one per key."""
        key_list = [None] if keys is None else keys
        n = len(key_list)
        if n == 0:
            return
        frame = pl.DataFrame(
            {
                "defect": [defect] * n,
                "level": [level] * n,
                "feed": [feed] * n,
                "file_kind": [file_kind] * n,
                "delivery_date": [delivery_date] * n,
                "file": [file] * n,
                "row_number": [None] * n,
                "column": [column] * n,
                "key": pl.Series(key_list, dtype=pl.String),
                "detail": detail if isinstance(detail, pl.Series) else [detail] * n,
            },
            schema=SCHEMA,
        )
        self._parts.append(frame)

    def frame(self) -> pl.DataFrame:
        if not self._parts:
            return pl.DataFrame(schema=SCHEMA)
        return pl.concat(self._parts, how="vertical").sort(
            "feed", "delivery_date", "file", "row_number", "defect", "key", nulls_last=True
        )

    def write(self, ground_truth_dir: Path, summary: dict[str, Any]) -> int:
        """Write ``manifest.parquet``, ``manifest.csv`` and ``summary.json``; return row count."""
        ground_truth_dir.mkdir(parents=True, exist_ok=True)
        frame = self.frame()
        frame.write_parquet(ground_truth_dir / "manifest.parquet", compression="zstd")
        frame.write_csv(ground_truth_dir / "manifest.csv")
        counts = frame.group_by("level", "defect").len().sort("level", "defect")
        summary = {
            **summary,
            "defects": frame.height,
            "defects_by_kind": {
                f"{r['level']}:{r['defect']}": r["len"] for r in counts.iter_rows(named=True)
            },
        }
        (ground_truth_dir / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return frame.height
