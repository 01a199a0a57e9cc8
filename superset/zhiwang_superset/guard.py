"""Layer 1 of row-level security: no free SQL from users without SQL Lab.

A chart request (``/api/v1/chart/data``, a saved chart's data, the legacy
``explore_json`` of the deck.gl maps) may carry SQL written by the requester:
custom SQL metrics, columns, order-bys, filters, ``extras.where/having``, or a
plain string column that Superset does not find among the dataset's columns
and pastes into the query as an expression. Superset 6.1's own guard
(``validate_adhoc_subquery``) misses a top-level ``FROM … UNION SELECT``
(docs/SECURITY.md), so every such expression is checked here, by parsing it
with sqlglot (DuckDB dialect) inside a fixed frame
``SELECT <expr> FROM <dataset>`` / ``… WHERE <expr>`` / ``… HAVING <expr>``,
and refused unless:

- the frame still parses as exactly one plain SELECT on the placeholder
  dataset: no set operation, CTE, subquery, join, second statement, table or
  table function;
- every node of the expression is of an allowed kind (columns, literals,
  arithmetic, comparisons, boolean logic, CASE, CAST, aggregates and a short
  list of scalar functions); a function sqlglot does not know (``getenv``,
  ``query``, ``duckdb_tables`` …) is refused;
- every column is an unqualified column of the dataset itself;
- the text holds no comment, semicolon, dollar quote or Jinja template.

The dashboards' own charts use only dataset columns and saved metrics, so
they pass unchanged (tests/superset/test_live_rls_attacks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

PLACEHOLDER = "__zhiwang_dataset__"
FORBIDDEN_TEXT = (";", "--", "/*", "*/", "$", "{{", "{%", "{#", "\\")

# Node kinds an expression may be built from (plus the functions below).
ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Cast,
    exp.TryCast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Case,
    exp.If,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.Neg,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.DPipe,
    exp.Distinct,
    exp.Filter,
    exp.Where,
    exp.Interval,
    exp.Var,
)
# Functions by sqlglot class: aggregates and plain scalar functions over values.
ALLOWED_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Sum,
    exp.Count,
    exp.Avg,
    exp.Min,
    exp.Max,
    exp.Median,
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.ApproxDistinct,
    exp.AnyValue,
    exp.ArgMax,
    exp.ArgMin,
    exp.Coalesce,
    exp.Nullif,
    exp.Round,
    exp.Abs,
    exp.Floor,
    exp.Ceil,
    exp.Sqrt,
    exp.Ln,
    exp.Log,
    exp.Pow,
    exp.Sign,
    exp.Greatest,
    exp.Least,
    exp.Lower,
    exp.Upper,
    exp.Length,
    exp.Trim,
    exp.Substring,
    exp.Concat,
    exp.DateTrunc,
    exp.TimestampTrunc,
    exp.Extract,
    exp.Year,
    exp.Month,
    exp.Quarter,
    exp.Day,
    exp.Week,
    exp.CurrentDate,
    exp.CurrentTimestamp,
)


class FreeSqlRefused(ValueError):
    """An expression from a request that is not a plain expression over the dataset."""


@dataclass(frozen=True)
class Expression:
    where: str  # "select" | "where" | "having"
    sql: str
    origin: str  # e.g. "metrics[0]", for the message


def check_expression(sql: str, columns: Iterable[str], where: str = "select") -> None:
    """Refuse ``sql`` unless it is an expression over ``columns`` only (see module doc)."""
    text = sql.strip()
    if not text:
        return
    bad = [token for token in FORBIDDEN_TEXT if token in text]
    if bad:
        raise FreeSqlRefused(f"forbidden text {bad[0]!r}")
    frame = {
        "select": f"SELECT {text} FROM {PLACEHOLDER}",
        "where": f"SELECT 1 FROM {PLACEHOLDER} WHERE {text}",
        "having": f"SELECT 1 FROM {PLACEHOLDER} HAVING {text}",
    }[where]
    try:
        statements = sqlglot.parse(frame, read="duckdb")
    except sqlglot.errors.SqlglotError as err:
        raise FreeSqlRefused(f"not a single SQL expression ({type(err).__name__})") from err
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise FreeSqlRefused("not a single SQL expression")
    select = statements[0]
    extra = {
        key
        for key, value in select.args.items()
        if value and key not in {"expressions", "from", "from_", "where", "having"}
    }
    if extra:
        raise FreeSqlRefused(f"expression adds {sorted(extra)} to the query")
    tables = list(select.find_all(exp.Table))
    if len(tables) != 1 or tables[0].name != PLACEHOLDER or tables[0].args.get("db"):
        raise FreeSqlRefused("expression names a table")
    parts = {
        "select": select.expressions,
        "where": [select.args.get("where")],
        "having": [select.args.get("having")],
    }[where]
    if where == "select" and len(parts) != 1:
        raise FreeSqlRefused("more than one expression")
    if where != "select" and select.expressions[0].sql() != "1":
        raise FreeSqlRefused("not a single SQL expression")
    allowed = {c.lower() for c in columns}
    for part in parts:
        if part is None:
            raise FreeSqlRefused("not a single SQL expression")
        root = part.this if isinstance(part, (exp.Where, exp.Having)) else part
        _check_tree(root, allowed)


def _check_tree(root: exp.Expression, columns: set[str]) -> None:
    for node in root.walk():
        if isinstance(node, exp.Star):
            if not isinstance(node.parent, exp.Count):
                raise FreeSqlRefused("* outside COUNT(*)")
            continue
        if isinstance(node, exp.Column):
            if node.table or node.args.get("db") or node.args.get("catalog"):
                raise FreeSqlRefused(f"qualified column {node.sql()!r}")
            if node.name.lower() not in columns:
                raise FreeSqlRefused(f"{node.name!r} is not a column of this dataset")
            continue
        if isinstance(node, ALLOWED_FUNCTIONS):
            continue
        if isinstance(node, exp.Func) and not isinstance(node, ALLOWED_NODES):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            raise FreeSqlRefused(f"function {name!r} is not allowed")
        if not isinstance(node, ALLOWED_NODES):
            raise FreeSqlRefused(f"{type(node).__name__} is not allowed in an expression")


# --- what a request carries --------------------------------------------------

SQL_KEYS = {"where": "where", "having": "having"}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
STRING_FIELDS = ("columns", "groupby", "orderby", "series_columns")
# A plain string here names a saved metric: Superset looks it up and refuses an
# unknown name ("Metric ... does not exist"), never pasting it into the query.
# Native select filters send ``metrics: ["count"]`` in their form_data
# (docs/SECURITY.md), so only ad-hoc metric objects are checked here.
METRIC_FIELDS = (
    "metrics",
    "series_limit_metric",
    "timeseries_limit_metric",
    "metric",
    "secondary_metric",
)


def request_expressions(
    query: dict[str, Any], columns: set[str], metrics: set[str]
) -> Iterator[Expression]:
    """Every piece of requester SQL in one query object (or legacy query dict).

    Plain strings count as SQL when they name no column or saved metric of the
    dataset: Superset pastes such a string into the query as an expression.
    """
    known = {c.lower() for c in columns} | {m.lower() for m in metrics}

    def names(value: Any, origin: str, where: str = "select") -> Iterator[Expression]:
        if isinstance(value, str):
            if value.lower() not in known:
                yield Expression(where, value, origin)
        elif isinstance(value, dict):
            yield from adhoc(value, origin, where)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from names(item, f"{origin}[{i}]", where)

    def metric_objects(value: Any, origin: str) -> Iterator[Expression]:
        if isinstance(value, dict):
            yield from adhoc(value, origin, "select")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from metric_objects(item, f"{origin}[{i}]")

    def adhoc(value: dict[str, Any], origin: str, where: str) -> Iterator[Expression]:
        if isinstance(value.get("sqlExpression"), str):
            yield Expression(where, value["sqlExpression"], f"{origin}.sqlExpression")
        if isinstance(value.get("column"), (dict, str)):
            yield from names(value["column"], f"{origin}.column", "select")
        if isinstance(value.get("column_name"), str):
            yield from names(value["column_name"], f"{origin}.column_name", "select")

    for field in STRING_FIELDS:
        yield from names(query.get(field), field)
    for field in METRIC_FIELDS:
        yield from metric_objects(query.get(field), field)
    for i, flt in enumerate(query.get("filter") or query.get("filters") or []):
        if isinstance(flt, dict):
            col = flt.get("col")
            # A dashboard's native filter reaches every chart in its scope; on a
            # dataset without that column Superset drops the filter (a plain
            # name is looked up, never pasted), so a bare identifier passes.
            if not (isinstance(col, str) and IDENTIFIER.fullmatch(col)):
                yield from names(col, f"filter[{i}].col")
    for field in ("adhoc_filters",):
        for i, flt in enumerate(query.get(field) or []):
            if isinstance(flt, dict):
                where = "having" if flt.get("clause") == "HAVING" else "where"
                if isinstance(flt.get("sqlExpression"), str):
                    yield Expression(where, flt["sqlExpression"], f"{field}[{i}]")
                if flt.get("subject") is not None:
                    yield from names(flt["subject"], f"{field}[{i}].subject")
    extras = query.get("extras") or {}
    for key, where in SQL_KEYS.items():
        for source, value in (("extras", extras.get(key)), ("", query.get(key))):
            if isinstance(value, str) and value.strip():
                yield Expression(where, value, f"{source}.{key}".lstrip("."))
    # Anything else shaped like an ad-hoc SQL object, wherever it sits.
    yield from _nested_sql(query, "")


def _nested_sql(value: Any, origin: str) -> Iterator[Expression]:
    if isinstance(value, dict):
        if isinstance(value.get("sqlExpression"), str):
            where = (
                "where"
                if value.get("clause") == "WHERE"
                else ("having" if value.get("clause") == "HAVING" else "select")
            )
            yield Expression(where, value["sqlExpression"], f"{origin}.sqlExpression")
        for key, item in value.items():
            yield from _nested_sql(item, f"{origin}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _nested_sql(item, f"{origin}[{i}]")


def check_request(queries: Iterable[dict[str, Any]], columns: set[str], metrics: set[str]) -> None:
    """Raise :class:`FreeSqlRefused` naming the first piece of refused requester SQL."""
    for query in queries:
        for item in request_expressions(query, columns, metrics):
            try:
                check_expression(item.sql, columns, item.where)
            except FreeSqlRefused as err:
                raise FreeSqlRefused(f"{item.origin}: {err}") from None
