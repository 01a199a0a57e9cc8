"""Compare warehouses by content: a fingerprint per table (row count, an
order-independent hash of the exact columns, float sums), used by the Airflow
end-to-end tests (a re-run, a backfill) against another build of the same data."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from orchestration.publish import is_published_column

# Marts over the validation history (dq runs): a rerun validates again and is recorded.
QUALITY_HISTORY_PREFIX = "rpt_quality_"
# serving models over that history (dashboards' and brief's data-quality tables)
QUALITY_HISTORY_VIEWS = frozenset({"rpt_data_quality_feeds", "rpt_brief_data_quality"})

Fingerprint = dict[str, tuple[int, str, tuple[float, ...]]]


def fingerprint(
    path: Path,
    schema: str = "marts",
    *,
    without_load_times: bool = False,
    as_published: bool = False,
) -> Fingerprint:
    """Per table: row count, an order-independent hash of the exact (non-float) columns,
    and the sum of each floating-point column. ``without_load_times``: leave out the
    columns that record when the ingest loaded a row (``*loaded_at``), which differ
    between two builds of the same deliveries by definition. ``as_published``: only
    the columns publish copies (orchestration/publish.py ``is_published_column``: not
    the build's bookkeeping, such as dim_person_public's ``_written_at``).

    Floats are compared by their sums with a tolerance (``_same``): DuckDB's parallel
    ``sum()``/``avg()`` of doubles may differ in the last bits from one build to the next.
    """
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name <> '_published' order by 1", [schema]).fetchall()]  # fmt: skip
        for table in tables:
            columns = con.execute(
                "select column_name, data_type in ('DOUBLE', 'FLOAT', 'REAL') "
                "from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            if without_load_times:
                columns = [(n, f) for n, f in columns if not n.endswith("loaded_at")]
            if as_published:
                columns = [(n, f) for n, f in columns if is_published_column(n)]
            exact = ", ".join(f'"{n}"' for n, is_float in columns if not is_float) or "1"
            floats = [f'sum("{n}")' for n, is_float in columns if is_float]
            row = con.execute(
                f"select count(*), coalesce(bit_xor(hash(row({exact}))), 0)::varchar"
                + "".join(f", {f}" for f in floats)
                + f' from {schema}."{table}"'
            ).fetchone()
            out[table] = (row[0], row[1], tuple(0.0 if v is None else v for v in row[2:]))
    return out


def same(a: Fingerprint, b: Fingerprint) -> bool:
    if a.keys() != b.keys():
        return False
    for table, (count, digest, sums) in a.items():
        other_count, other_digest, other_sums = b[table]
        if (count, digest, len(sums)) != (other_count, other_digest, len(other_sums)):
            return False
        pairs = zip(sums, other_sums, strict=True)
        if not all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) for x, y in pairs):
            return False
    return True


def data_tables(fingerprint: dict) -> dict:
    """Without the quality-history marts: every validation run is recorded there by design."""
    return {
        t: v
        for t, v in fingerprint.items()
        if not t.startswith(QUALITY_HISTORY_PREFIX) and t not in QUALITY_HISTORY_VIEWS
    }
