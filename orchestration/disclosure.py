"""Statistical disclosure control of the published counts of persons.

The warehouse's marts stay exact (their conservation tests hold there); what
leaves it through the serving copy is protected here. Each mart that carries
counts of persons declares them in its dbt ``meta`` (``disclosure:``), which
the on-run-end hook ``record_disclosure_rules`` writes to
``internal.disclosure_rules``; publish applies them to its copy:

``person_counts``
    columns counting persons. A value in ``(0, threshold)`` is suppressed
    (primary suppression): published as NULL.
``groups``
    lists of columns: rows sharing their values are siblings whose sum is a
    published (or derivable) total, e.g. the communities of one street and
    month. ``hierarchy`` adds the parent row itself when the mart holds
    several levels (a grid row's parent is its community's row).
``row_sums``
    ``total: [parts]`` within one row (managed = hukou + non-hukou).
``derived``
    ``column: [inputs]``: a share or rate is withheld whenever an input is.
``same_values``
    lists of count columns that can hold the same figure in a row (the
    unlocated street's managed and unlocated populations): where their values
    are equal, one withheld withholds the others.

Complementary suppression: in every such relation (siblings + parent, or a
row's total + parts) the number of suppressed cells must never be exactly
one, or the cell would be the total minus the published rest. While some
relation has exactly one, the smallest positive published cell of it is
suppressed as well, until no relation changes. Each protected table gets
``sdc_suppressed`` (any cell of the row withheld) and
``sdc_suppressed_columns`` (which, comma-separated), so a reader sees a
withheld value as withheld, never as missing data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

log = logging.getLogger(__name__)

RULES_TABLE = "internal.disclosure_rules"
FLAG = "sdc_suppressed"
FLAG_COLUMNS = "sdc_suppressed_columns"
# what the published person mart (marts.dim_person) shows of a person's
# quasi-identifiers: its k-anonymity classes are the rows equal on all of them
PUBLISHED_QI = ["disclosure_level", "residence_street_code", "residence_community_code",
                "residence_grid_code", "sex", "birth_year_band_start", "birth_year_band_years",
                "is_hukou"]  # fmt: skip


@dataclass(frozen=True)
class Hierarchy:
    level_column: str
    code_column: str
    # child level -> (parent level, the child's column holding the parent's code)
    parents: dict[str, tuple[str, str]]
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    table: str
    person_counts: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...] = ()
    row_sums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hierarchy: Hierarchy | None = None
    same_values: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_meta(cls, table: str, meta: dict[str, Any]) -> Rule:
        hierarchy = meta.get("hierarchy")
        return cls(
            table=table,
            person_counts=tuple(meta["person_counts"]),
            groups=tuple(tuple(g) for g in meta.get("groups", [])),
            row_sums={k: tuple(v) for k, v in meta.get("row_sums", {}).items()},
            derived={k: tuple(v) for k, v in meta.get("derived", {}).items()},
            same_values=tuple(tuple(g) for g in meta.get("same_values", [])),
            hierarchy=None
            if hierarchy is None
            else Hierarchy(
                level_column=hierarchy["level_column"],
                code_column=hierarchy["code_column"],
                parents={k: (v[0], v[1]) for k, v in hierarchy["parents"].items()},
                by=tuple(hierarchy.get("by", [])),
            ),
        )


def read_rules(con: duckdb.DuckDBPyConnection, catalog: str = "") -> dict[str, Rule]:
    """The declared rules, ``{table: Rule}``, from ``internal.disclosure_rules``."""
    prefix = f"{catalog}." if catalog else ""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'internal' "
        "and table_name = 'disclosure_rules' and (? = '' or table_catalog = ?)",
        [catalog, catalog],
    ).fetchone()
    if not found or not found[0]:
        raise RuntimeError(
            f"no disclosure rules in the warehouse ({RULES_TABLE}): publishing would expose "
            "small counts of persons. Run `dbt build` first (its on-run-end hook writes "
            "the rules from each mart's `disclosure` meta)."
        )
    rows = con.execute(f"select table_name, rule from {prefix}{RULES_TABLE}").fetchall()
    return {table: Rule.from_meta(table, json.loads(rule)) for table, rule in rows}


def _relations(frame: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """``(row, relation)``: which rows add up together (siblings, with their parent)."""
    parts: list[pl.DataFrame] = []
    rows = pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True).alias("row")
    indexed = frame.with_columns(rows)
    for number, columns in enumerate(rule.groups):
        key = pl.concat_str(
            [pl.lit(f"g{number}")] + [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in columns],
            separator="|",
        )
        parts.append(indexed.select("row", key.alias("relation")))
    h = rule.hierarchy
    if h is not None:
        by = [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in h.by]
        for child, (parent, parent_code) in h.parents.items():
            tag = pl.lit(f"h:{child}")
            children = indexed.filter(pl.col(h.level_column) == child).select(
                "row",
                pl.concat_str([tag, pl.col(parent_code).cast(pl.Utf8).fill_null("\x00"), *by],
                              separator="|").alias("relation"),
            )  # fmt: skip
            parents = indexed.filter(pl.col(h.level_column) == parent).select(
                "row",
                pl.concat_str([tag, pl.col(h.code_column).cast(pl.Utf8).fill_null("\x00"), *by],
                              separator="|").alias("relation"),
            )  # fmt: skip
            parts.extend([children, parents])
    if not parts:
        return pl.DataFrame(schema={"row": pl.UInt32, "relation": pl.Utf8})
    return pl.concat(parts)


def suppress(frame: pl.DataFrame, rule: Rule, threshold: int) -> dict[str, pl.Series]:
    """Per person-count column, the boolean mask of cells to withhold."""
    counts = [c for c in rule.person_counts if c in frame.columns]
    values = {c: frame[c].cast(pl.Float64) for c in counts}
    masks = {c: ((values[c] > 0) & (values[c] < threshold)).fill_null(False) for c in counts}
    relations = _relations(frame, rule)
    sizes = relations.group_by("relation").len()
    relations = relations.join(sizes.filter(pl.col("len") > 1).drop("len"), on="relation")
    row_sums = [(t, [p for p in ps if p in masks]) for t, ps in rule.row_sums.items() if t in masks]
    changed = True
    while changed:
        changed = False
        for column in counts:
            mask, value = masks[column], values[column]
            members = relations.with_columns(
                suppressed=mask.gather(relations["row"]) | value.gather(relations["row"]).is_null(),
                value=value.gather(relations["row"]),
            )
            lone = (
                members.group_by("relation")
                .agg(pl.col("suppressed").sum().alias("n"))
                .filter(pl.col("n") == 1)
            )
            if lone.height == 0:
                continue
            picks = (
                members.join(lone.select("relation"), on="relation")
                .filter(~pl.col("suppressed"))
                .sort(["relation", pl.col("value") <= 0, "value", "row"])
                .group_by("relation", maintain_order=True)
                .first()["row"]
                .unique()
            )
            if picks.len():
                new = mask.clone().scatter(picks, True)
                changed = changed or bool((new != mask).any())
                masks[column] = new
        for columns in rule.same_values:
            present = [c for c in columns if c in masks]
            for column in present:
                for other in present:
                    equal = (values[column] == values[other]).fill_null(False)
                    new = masks[column] | (masks[other] & equal)
                    if other != column and bool((new != masks[column]).any()):
                        masks[column] = new
                        changed = True
        for total, parts in row_sums:
            cells = [total, *parts]
            n = pl.DataFrame([masks[c].cast(pl.Int32).alias(c) for c in cells]).sum_horizontal()
            single = n == 1
            if not single.any():
                continue
            # withhold the smallest published positive part, else any published cell
            for index in single.arg_true().to_list():
                candidates = sorted(
                    (values[c][index], c)
                    for c in parts
                    if not masks[c][index] and (values[c][index] or 0) > 0
                )
                published = [c for c in cells if not masks[c][index]]
                choice = candidates[0][1] if candidates else (published[0] if published else None)
                if choice is not None:
                    masks[choice] = masks[choice].clone().scatter([index], True)
                    changed = True
    return masks


def protect_table(
    con: duckdb.DuckDBPyConnection, schema: str, rule: Rule, threshold: int
) -> dict[str, int]:
    """Rewrite ``schema.rule.table`` with its withheld cells NULL and flagged; cells per column."""
    name = f'"{schema}"."{rule.table}"'
    # rows in an order set by their content, not by how the build happened to write
    # them: a complementary cell chosen among equal candidates is then the same in
    # every build of the same data (the last tie-break is the row's position)
    frame = con.sql(f"select * from {name} order by all").pl()
    masks = suppress(frame, rule, threshold)
    withheld: dict[str, pl.Series] = dict(masks)
    for column, inputs in rule.derived.items():
        if column in frame.columns:
            hits = [masks[i] for i in inputs if i in masks]
            if hits:
                withheld[column] = pl.DataFrame(hits).select(pl.any_horizontal(pl.all()))[:, 0]
    updates = []
    for column, mask in withheld.items():
        updates.append(pl.when(pl.lit(mask)).then(None).otherwise(pl.col(column)).alias(column))
    listed = pl.concat_str(
        [pl.when(pl.lit(mask)).then(pl.lit(column)) for column, mask in withheld.items()],
        separator=",", ignore_nulls=True,
    ) if withheld else pl.lit("")  # fmt: skip
    out = frame.with_columns(
        *updates,
        pl.when(listed == "").then(None).otherwise(listed).alias(FLAG_COLUMNS),
    ).with_columns(pl.col(FLAG_COLUMNS).is_not_null().alias(FLAG))
    arrow = out.to_arrow()
    con.register("_sdc_protected", arrow)
    try:
        con.execute(f"create or replace table {name} as select * from _sdc_protected")
    finally:
        con.unregister("_sdc_protected")
    return {column: int(mask.sum()) for column, mask in withheld.items()}


def protect_serving(
    con: duckdb.DuckDBPyConnection, rules: dict[str, Rule], schema: str, threshold: int
) -> dict[str, dict[str, int]]:
    """Apply every rule whose table was published; ``{table: {column: withheld cells}}``."""
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    report: dict[str, dict[str, int]] = {}
    for table, rule in sorted(rules.items()):
        if table in present:
            report[table] = protect_table(con, schema, rule, threshold)
    log.info("disclosure control (threshold %d): %s", threshold, report)
    return report


def audit(
    con: duckdb.DuckDBPyConnection, rules: dict[str, Rule], schema: str, threshold: int
) -> list[str]:
    """What a reader of the published tables could still learn; empty when protected.

    Checks each declared table as published: no person count in
    ``(0, threshold)``; no derived value shown whose input is withheld; no
    relation (siblings + parent, a row's total + parts) with exactly one
    withheld cell, which would be its total minus the published rest.
    """
    problems: list[str] = []
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    for table, rule in sorted(rules.items()):
        if table not in present:
            continue
        frame = con.sql(f'select * from "{schema}"."{table}"').pl()
        if FLAG_COLUMNS not in frame.columns:
            problems.append(f"{table}: published without {FLAG_COLUMNS}")
            continue
        listed = frame[FLAG_COLUMNS].fill_null("").str.split(",")
        counts = [c for c in rule.person_counts if c in frame.columns]
        withheld = {c: listed.list.contains(c) for c in {*counts, *rule.derived}}
        for column in counts:
            value = frame[column].cast(pl.Float64)
            small = int(((value > 0) & (value < threshold)).fill_null(False).sum())
            if small:
                problems.append(f"{table}.{column}: {small} published counts below {threshold}")
            hidden = int((withheld[column] & value.is_not_null()).sum())
            if hidden:
                problems.append(f"{table}.{column}: {hidden} withheld cells still published")
        for column, inputs in rule.derived.items():
            if column not in frame.columns:
                continue
            for source in (i for i in inputs if i in withheld):
                shown = int((withheld[source] & frame[column].is_not_null()).sum())
                if shown:
                    problems.append(
                        f"{table}.{column}: shown for {shown} rows whose {source} is withheld"
                    )
        relations = _relations(frame, rule)
        sizes = relations.group_by("relation").len().filter(pl.col("len") > 1)
        relations = relations.join(sizes.drop("len"), on="relation")
        for column in counts:
            unknown = withheld[column] | frame[column].is_null()
            lone = (
                relations.with_columns(unknown=unknown.gather(relations["row"]))
                .group_by("relation")
                .agg(pl.col("unknown").sum().alias("n"))
                .filter(pl.col("n") == 1)
            )
            if lone.height:
                problems.append(
                    f"{table}.{column}: {lone.height} groups with one withheld cell, recoverable "
                    f"from their total (e.g. {lone['relation'][0]})"
                )
        for total, parts in rule.row_sums.items():
            cells = [c for c in (total, *parts) if c in withheld]
            n = pl.DataFrame([withheld[c].cast(pl.Int32).alias(c) for c in cells]).sum_horizontal()
            lone_rows = int((n == 1).sum())
            if lone_rows:
                problems.append(
                    f"{table}.{total}: {lone_rows} rows with one withheld cell of {cells}"
                )
    return problems


def uniqueness(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], k: int) -> dict:
    """Rows, share unique on ``columns``, share in classes below ``k``, smallest class."""
    keys = ", ".join(columns)
    row = con.execute(
        f"""
        select count(*), count(*) filter (where n = 1), count(*) filter (where n < {k}), min(n)
        from (select count(*) over (partition by {keys}) as n from {table})
        """
    ).fetchone()
    assert row is not None  # an aggregate returns one row
    rows, unique, small, smallest = row
    return {
        "rows": rows,
        "unique_share": unique / rows if rows else 0.0,
        "below_k_share": small / rows if rows else 0.0,
        "smallest_class": smallest,
    }


def small_counts(con: duckdb.DuckDBPyConnection, rules: dict, k: int) -> tuple[int, int]:
    """(person-count cells in (0, k), all non-null person-count cells) of the declared marts."""
    small = cells = 0
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    for table, rule in rules.items():
        if table not in tables:
            continue
        for column in rule.person_counts:
            row = con.execute(
                f'select count(*) filter (where "{column}" > 0 and "{column}" < {k}), '
                f'count("{column}") from marts."{table}"'
            ).fetchone()
            assert row is not None  # an aggregate returns one row
            small, cells = small + row[0], cells + row[1]
    return small, cells
