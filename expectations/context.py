"""What a suite needs to know about one delivery, read from DuckDB before GX runs.

Everything here is one small aggregate query (audit tables, previous
delivery's measures) so the suites can be plain code with concrete bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingest import raw_store, register
from ingest.contract import Feed, FileKind


@dataclass(frozen=True)
class KindDelivery:
    """One file kind of one feed's delivery, with its predecessor for comparisons."""

    feed: str
    kind: FileKind
    delivery_date: date
    received: int
    loaded: int
    quarantined: int
    previous_date: date | None
    previous_loaded: int | None
    live_rows: int


@dataclass
class DeliveryContext:
    """Inputs of the raw suites for one (feed, delivery date)."""

    feed: Feed
    delivery_date: date
    kinds: list[KindDelivery]
    communities_sql: str  # a subquery of the community codes in force (NBS + register)
    baselines: dict[str, dict[str, object]] = field(default_factory=dict)
    known_tables: set[str] = field(default_factory=set)  # existing, references non-empty
    # a subquery of the grid codes the register of changes created, in force on the
    # delivery date (ingest/register.py); None before any register was loaded
    register_grids_sql: str | None = None


def communities_in_force_sql(reference_dir: Path, day: date, tables: set[str]) -> str:
    """Subquery of the community codes in force on ``day``: the NBS reference, and the
    ones valid lines of the register of changes created (ingest/register.py)."""
    reference = register.reference_communities_sql(reference_dir)
    if f"raw.{register.REGISTER_KIND}" not in tables:
        return reference
    created = register.register_codes_sql(reference, day, "社区")
    return f"{reference} union all select successor_code from ({created})"


def register_grids_sql(reference_dir: Path, day: date, tables: set[str]) -> str | None:
    """Subquery of the grid codes valid register lines created, in force on ``day``."""
    if f"raw.{register.REGISTER_KIND}" not in tables:
        return None
    reference = register.reference_communities_sql(reference_dir)
    return register.register_codes_sql(reference, day, "网格")


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {r[0] for r in rows}


# tables other kinds' suites look rows up in (cross-table checks)
REFERENCE_TABLES = ("raw.ld", "raw.scjg_frxx", "raw.mz_shzz")


def populated_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Existing tables, minus reference tables with no row yet.

    The ingest creates every raw view up front: an empty buildings register
    (housing not loaded yet) would make every event's grid look unknown.
    """
    tables = existing_tables(con)
    for name in REFERENCE_TABLES:
        if name in tables and not con.execute(f"select exists(from {name})").fetchone()[0]:  # type: ignore[index]
            tables.discard(name)
    return tables


def kind_deliveries(
    con: duckdb.DuckDBPyConnection, feed: Feed, delivery_date: date
) -> list[KindDelivery]:
    """Kinds with live rows in this delivery, each with its previous delivery's volume."""
    out: list[KindDelivery] = []
    tables = existing_tables(con)
    for kind in feed.files:
        if f"raw.{kind.kind}" not in tables:
            continue
        counts = raw_store.kind_delivery_counts(con, feed.feed, kind.kind)
        # a delivery whose files were all superseded later has nothing live to judge
        now = [c for c in counts if c.delivery_date == delivery_date and c.loaded_batches]
        if not now:
            continue
        before = [c for c in counts if c.delivery_date < delivery_date]
        if kind.delivery in ("changes", "append") and before and before[0] == counts[0]:
            # a change feed's first delivery is the initial full load: no volume reference
            before = before[1:]
        live = con.execute(
            f"select count(*) from raw.{kind.kind} where _delivery_date = ?", [delivery_date]
        ).fetchone()
        out.append(
            KindDelivery(
                feed=feed.feed,
                kind=kind,
                delivery_date=delivery_date,
                received=now[0].received,
                loaded=now[0].loaded,
                quarantined=now[0].quarantined,
                previous_date=before[-1].delivery_date if before else None,
                previous_loaded=before[-1].loaded if before else None,
                live_rows=int(live[0]) if live else 0,
            )
        )
    return out
