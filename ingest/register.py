"""The data office's register of community and grid code changes, as the ingest and the
raw gate know it (docs/GEOGRAPHY.md, "The register").

A community or grid code that a *valid* register line creates is known from the
line's effective date: the ingest does not note it ``unknown_community``, the raw
suites count it as a community of the reference (``code_in_reference``) and the
events suite as a grid of the buildings register (``event_grid_exists``). A code no
register line names is judged exactly as before (the NBS reference, the buildings
register).

Valid means the checks of dbt's ``int_geography_changes`` (the newest line of each
change, predecessor and successor; the code widths; no unlocated member code; same
district; predecessor and successor in a known community; a population share in
(0, 1]; one effective date and shares summing to 1 per change and predecessor), so
the ingest knows exactly the codes dbt's crosswalk will map. The register is read
from ``raw.qhtz`` (what is already loaded) and from the register files of complete
delivery folders (``_SUCCESS``) dated on or before the delivery being loaded, read
with the register's contract (``ingest.api.pending_register``): so what a file is
told does not depend on the order the feeds are loaded in (Airflow runs one DAG per
feed, the events DAG of a date may run after the population DAG of that date). The
ingest also loads the register files of a delivery date before any other file of
that date (``load_order``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

# the file kind of the register (ingest/feeds/events.yaml)
REGISTER_KIND = "qhtz"
LEVELS = {"社区": 12, "网格": 15}  # unit level as delivered -> code width
# the register columns the checks read
REGISTER_COLUMNS = [
    "change_id",
    "unit_level",
    "predecessor_code",
    "successor_code",
    "effective_date",
    "population_share",
    "updated_at",
    "_delivery_date",
    "_file",
    "_row_number",
]


def reference_communities_sql(reference_dir: Path) -> str:
    """Subquery of Shenzhen's current NBS community codes (the membership reference).

    Kept as SQL so DuckDB does the membership test: a 788-value set inside a GX
    expectation is copied on every metric and dominated the run time.
    """
    path = str((reference_dir / "admin_divisions_shenzhen.csv").resolve()).replace("'", "''")
    return (
        f"select code12 from read_csv('{path}', all_varchar = true, header = true) "
        "where level = 'community'"
    )


def register_codes_sql(reference_sql: str, day: date, level: str) -> str:
    """Subquery of the codes of ``level`` (社区 or 网格) that valid lines of ``raw.qhtz``
    create and that are in force on ``day`` (effective date on or before it). No braces
    in the text: GX formats the queries it is given."""
    width = LEVELS[level]
    checks = " or ".join(
        f"(l.unit_level = '{lvl}' and length(l.predecessor_code) = {w} "
        f"and length(l.successor_code) = {w})"
        for lvl, w in LEVELS.items()
    )
    return f"""
        with latest as (
            select * from raw.qhtz
            qualify row_number() over (
                partition by change_id, predecessor_code, successor_code
                order by updated_at desc, _delivery_date desc, _file desc, _row_number desc
            ) = 1
        ),
        known as (
            select code12 as community_code from ({reference_sql})
            union
            select successor_code from latest
            where unit_level = '社区' and length(successor_code) = 12
              and regexp_full_match(successor_code, '[0-9]+')
        ),
        groups as (
            select change_id, predecessor_code, sum(population_share) as share_sum,
                   count(distinct effective_date) as effective_dates
            from latest
            group by change_id, predecessor_code
        )
        select distinct l.successor_code
        from latest as l
        join groups as g
          on l.change_id = g.change_id and l.predecessor_code = g.predecessor_code
        where ({checks})
          and l.unit_level = '{level}'
          and length(l.successor_code) = {width}
          and regexp_full_match(l.predecessor_code || l.successor_code, '[0-9]+')
          and right(l.successor_code, 3) <> '999'
          and left(l.predecessor_code, 6) = left(l.successor_code, 6)
          and left(l.predecessor_code, 12) in (select community_code from known)
          and left(l.successor_code, 12) in (select community_code from known)
          and l.population_share > 0 and l.population_share <= 1
          and g.effective_dates = 1 and abs(g.share_sum - 1) <= 0.001
          and l.effective_date <= date '{day.isoformat()}'
    """


@dataclass(frozen=True)
class RegisterCodes:
    """Codes the register creates that are in force on one delivery date."""

    communities: frozenset[str] = frozenset()
    grids: frozenset[str] = frozenset()


def register_codes(
    con: duckdb.DuckDBPyConnection,
    reference_dir: Path,
    day: date,
    pending: pl.DataFrame | None = None,
) -> RegisterCodes:
    """The community and grid codes valid register lines create, in force on ``day``:
    the lines of ``raw.qhtz`` and ``pending`` (typed register rows with the lineage
    columns ``_delivery_date``, ``_file``, ``_row_number``: delivered, not loaded yet).
    None when there is no register line at all."""
    loaded = bool(
        con.execute(
            "select count(*) from information_schema.tables "
            f"where table_schema = 'raw' and table_name = '{REGISTER_KIND}'"
        ).fetchall()[0][0]
    )
    if not loaded and (pending is None or pending.height == 0):
        return RegisterCodes()
    columns = ", ".join(REGISTER_COLUMNS)
    parts: list[str] = []
    work = duckdb.connect()  # the query runs apart from the warehouse connection
    try:
        if loaded:
            table = con.sql(f"select {columns} from raw.{REGISTER_KIND}").to_arrow_table()
            frame = pl.from_arrow(table)
            work.register("loaded_lines", frame)
            parts = ["select * from loaded_lines"]
        if pending is not None and pending.height:
            work.register("pending_lines", pending.select(REGISTER_COLUMNS))
            parts.append("select * from pending_lines")
        work.execute("create schema raw")
        work.execute(f"create view raw.{REGISTER_KIND} as {' union all '.join(parts)}")
        ref = reference_communities_sql(reference_dir)
        out = {
            level: frozenset(
                r[0] for r in work.execute(register_codes_sql(ref, day, level)).fetchall()
            )
            for level in LEVELS
        }
    finally:
        work.close()
    return RegisterCodes(communities=out["社区"], grids=out["网格"])
