"""The models stay portable to Spark (docs/STACK.md "silent differences").

Engine-specific SQL belongs in adapter.dispatch macros (macros/portable.sql,
macros/pseudonym.sql, ...) with a ``spark__`` twin next to the DuckDB one. The
checks: model source (Jinja comments stripped) uses none of the DuckDB-only
constructs; compiled SQL has no double-quoted string literals and no
ascending window ORDER BY key without an explicit NULLS FIRST/LAST (DuckDB
sorts NULLs last, Spark first; descending keys agree; the models say
``nulls last``, DuckDB's default, so results do not change); every dispatched macro
with a DuckDB/default body has a Spark one.
"""

from __future__ import annotations

import re

import pytest

from tests.dbt.dbt_helpers import PROJECT

# DuckDB-only or differently-behaving constructs, searched in model source
FORBIDDEN = {
    "list literal": re.compile(r"(?<![\w\]\)'])\[\s*['\d]"),
    "struct literal": re.compile(r"\{\s*'[^']*'\s*:"),
    "lambda": re.compile(r"\b\w+\s*->"),
    "strptime": re.compile(r"\bstrptime\s*\(", re.I),
    "string_split": re.compile(r"\bstring_split\s*\(", re.I),
    "split (regex in Spark)": re.compile(r"(?<![\w.])split\s*\(", re.I),
    "exclude": re.compile(r"\*\s*exclude\b", re.I),
    "create or replace": re.compile(r"\bcreate\s+or\s+replace\b", re.I),
    "regexp function": re.compile(r"\bregexp_\w+\s*\(", re.I),
    "hash()": re.compile(r"(?<![\w.])hash\s*\(", re.I),
    "list function": re.compile(r"\blist_\w+\s*\(", re.I),
    "epoch()": re.compile(r"\bepoch\s*\(", re.I),
    "sha256()": re.compile(r"\bsha256\s*\(", re.I),
    # found by running the project on Spark (envs/spark/build.sh)
    "varchar without length (Spark: use string)": re.compile(r"\bvarchar\b(?!\s*\()", re.I),
    "isodow": re.compile(r"\bisodow\b", re.I),
    "decimal literal factor (Spark keeps decimal; cast to double)": re.compile(
        r"(?<![\w.])\d+\.\d+\s*\*|\*\s*\d+\.\d+(?![\w.])"
    ),
}

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
# Jinja expressions and statements: macro calls are checked through dispatch
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")
ADAPTER_QUOTE = re.compile(r"adapter\.quote\(\s*'(\w+)'\s*\)")
QUOTED_RELATION = re.compile(r'"[^"\n]+"(\s*\.\s*"[^"\n]+")+')


def _sql_models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "zhiwang"
        and node["language"] == "sql"
    ]


def _strip(code: str) -> str:
    """SQL text of a model: no comments, no Jinja, no string literals' contents."""
    code = JINJA.sub(" jinja ", SQL_COMMENT.sub("", JINJA_COMMENT.sub("", code)))
    return re.sub(r"'(?:[^']|'')*'", "''", code)


def test_model_source_has_no_duckdb_only_constructs(compiled_manifest: dict) -> None:
    found = []
    for node in _sql_models(compiled_manifest):
        code = _strip(node["raw_code"])
        found += [
            f"{node['original_file_path']}: {name}"
            for name, pattern in FORBIDDEN.items()
            if pattern.search(code)
        ]
    assert found == []


def _windows(sql: str) -> list[str]:
    """The text inside every ``over ( ... )``."""
    out = []
    for match in re.finditer(r"\bover\s*\(", sql, re.I):
        depth, i = 1, match.end()
        while depth and i < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        out.append(sql[match.end() : i - 1])
    return out


def _top_level_split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _ascending_keys_without_null_order(window: str) -> list[str]:
    match = re.search(r"\border\s+by\b(.*)", window, re.I | re.S)
    if not match:
        return []
    keys = re.split(r"\b(rows|range|groups)\b", match.group(1), flags=re.I)[0]
    return [
        key.strip()
        for key in _top_level_split(keys)
        # a constant (dbt's date_spine orders by 1) has no NULLs to place
        if not re.search(r"\bdesc\b|\bnulls\s+(first|last)\b|^\s*\d+\s*$", key, re.I)
    ]


def test_compiled_sql_is_read_the_same_by_spark(compiled_manifest: dict) -> None:
    problems = []
    models = [n for n in _sql_models(compiled_manifest) if n.get("compiled_code")]
    assert len(models) > 40, "dbt compile produced too few models"
    for node in models:
        sql = SQL_COMMENT.sub("", node["compiled_code"])
        # identifiers the source quotes with adapter.quote() (e.g. a column
        # named `at`): DuckDB renders "at", Spark `at`
        for name in ADAPTER_QUOTE.findall(node["raw_code"]):
            sql = sql.replace(f'"{name}"', name)
        unquoted = re.sub(r"'(?:[^']|'')*'", "''", QUOTED_RELATION.sub("rel", sql))
        if '"' in unquoted:
            problems.append(f"{node['name']}: double-quoted literal or identifier")
        for window in _windows(unquoted):
            for key in _ascending_keys_without_null_order(window):
                problems.append(f"{node['name']}: window order by {key!r} without nulls first/last")
    assert problems == []


@pytest.mark.parametrize("path", sorted(PROJECT.glob("macros/*.sql")), ids=lambda p: p.name)
def test_every_dispatched_macro_has_a_spark_implementation(path) -> None:
    text = path.read_text()
    dispatched = set(re.findall(r"adapter\.dispatch\('(\w+)'", text))
    missing = [m for m in dispatched if f"macro spark__{m}(" not in text]
    assert missing == []


MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.S)


def test_shared_macro_bodies_have_no_duckdb_only_constructs() -> None:
    """Only ``default__``/``duckdb__`` bodies may hold engine-specific SQL."""
    found = []
    for path in sorted(PROJECT.glob("macros/*.sql")):
        for name, body in MACRO.findall(path.read_text()):
            if name.startswith(("default__", "duckdb__", "spark__")):
                continue
            code = _strip(body)
            found += [f"{path.name}:{name}: {n}" for n, p in FORBIDDEN.items() if p.search(code)]
    assert found == []


def test_seed_column_types_are_spark_type_names() -> None:
    """Seeds create their tables from column_types as written: no DuckDB-only names.

    (Contracts may say varchar/hugeint: macros/contracts.sql reads them as
    Spark's string/bigint.)
    """
    text = (PROJECT / "seeds" / "_seeds.yml").read_text()
    assert re.findall(r"\b(varchar|hugeint)\b(?!\s*\()", text, re.I) == []


def test_int_grid_cells_is_one_sql_model_over_the_shared_h3_functions(
    compiled_manifest: dict,
) -> None:
    """Both engines build the same SQL model; every h3_* function it calls is one
    zhiwang/h3_cells.py registers (DuckDB plugin, Spark UDFs in dbt_spark.py)."""
    from zhiwang.h3_cells import FUNCTIONS

    enabled = [n for n in compiled_manifest["nodes"].values() if n["name"] == "int_grid_cells"]
    disabled = [n for ns in compiled_manifest["disabled"].values() for n in ns]
    assert [n["language"] for n in enabled] == ["sql"]
    assert [n for n in disabled if n["name"] == "int_grid_cells"] == []
    called = set(re.findall(r"\b(h3_\w+)\s*\(", enabled[0]["raw_code"]))
    assert called and called <= set(FUNCTIONS)
