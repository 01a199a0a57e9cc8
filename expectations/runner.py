"""Run suites with Great Expectations against the DuckDB warehouse (SQL pushdown).

One GX file context (``<var>/gx/`` by default, generated) holds the suites,
validation definitions, checkpoints and the results store; the Data Docs site
is written to ``<var>/data_docs``. Every
metric is a SQL query DuckDB answers over the raw Parquet files or the marts:
no table is pulled into Python.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from expectations.checks import FROM_GX_SEVERITY, Severity
from expectations.gx_duckdb import install_duckdb_fetch_fix, release_duckdb_connections

log = logging.getLogger("zhiwang.expectations")

DATASOURCE = "warehouse"
DOCS_SITE = "zhiwang"
SAMPLE_SIZE = 10
INDEX_COLUMNS = ["_file", "_row_number"]


@dataclass
class SuiteSpec:
    """One suite to validate: its asset (a query or a table) and its expectations."""

    name: str  # e.g. raw.ga_rkxx, marts.fct_event
    expectations: list[Any]
    query: str | None = None  # query asset (raw): one delivery's rows
    table: tuple[str, str] | None = None  # (schema, table) asset (marts), whole table
    feed: str | None = None
    delivery_date: date | None = None


@dataclass
class ResultRow:
    """One expectation's outcome, as persisted in ``dq.results``."""

    run_id: str
    suite: str
    expectation: str
    expectation_type: str
    column_name: str | None
    severity: Severity
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    unexpected_sample: str | None
    exception: str | None
    feed: str | None
    delivery_date: date | None


def gx_root_of(settings: Any) -> Path:
    """The GX project folder of an installation: ``ZHIWANG_GX_DIR``, default ``<var>/gx``
    (GX adds its ``gx/``)."""
    return Path(settings.gx)


def docs_dir_of(settings: Any) -> Path:
    return Path(settings.data_docs)


def _context(settings: Any, gx_root: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(gx_root))
    # tqdm bars per suite drown the summary on a terminal and in task logs
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    docs_dir = docs_dir_of(settings)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    sites = ctx.get_config().data_docs_sites or {}
    if "local_site" in sites:
        ctx.delete_data_docs_site("local_site")
    if sites.get(DOCS_SITE, {}).get("store_backend", {}).get("base_directory") != str(docs_dir):
        if DOCS_SITE in sites:
            ctx.update_data_docs_site(DOCS_SITE, site)
        else:
            ctx.add_data_docs_site(DOCS_SITE, site)
    return ctx


def _asset(ds: Any, spec: SuiteSpec) -> Any:
    name = spec.name
    if name in {a.name for a in ds.assets}:
        ds.delete_asset(name)
    if spec.query is not None:
        asset = ds.add_query_asset(name=name, query=spec.query)
    else:
        assert spec.table is not None
        asset = ds.add_table_asset(name=name, schema_name=spec.table[0], table_name=spec.table[1])
    return asset.add_batch_definition_whole_table("whole")


def run_suites(
    settings: Any,
    specs: list[SuiteSpec],
    run_id: str,
    checkpoint_name: str,
    gx_root: Path | None = None,
    docs: bool = True,
) -> list[ResultRow]:
    """Validate every suite in one checkpoint run; update the Data Docs unless ``docs=False``."""
    install_duckdb_fetch_fix()
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    started = time.perf_counter()
    ctx = _context(settings, gx_root or gx_root_of(settings))
    ds = ctx.data_sources.add_or_update_sql(
        name=DATASOURCE, connection_string=f"duckdb:///{Path(settings.warehouse).resolve()}"
    )
    # assets are rebuilt per run, so stored definitions that point at them are stale:
    # drop them through the stores (the factories' delete would load them first)
    _forget(ctx.checkpoint_store, checkpoint_name)
    by_suite: dict[str, SuiteSpec] = {}
    definitions = []
    for spec in specs:
        _forget(ctx.validation_definition_store, spec.name)
        batch_definition = _asset(ds, spec)
        suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(name=spec.name, expectations=spec.expectations)
        )
        definitions.append(
            ctx.validation_definitions.add(
                gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
            )
        )
        by_suite[spec.name] = spec
    # COMPLETE: unexpected-rows queries return their rows (the samples) only then;
    # map metrics still stop at GX's 200-row fetch limit
    result_format: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": 20}
    if any(s.query for s in specs):
        result_format["unexpected_index_column_names"] = INDEX_COLUMNS
        result_format["return_unexpected_index_query"] = False
    checkpoint = ctx.checkpoints.add(
        gx.Checkpoint(
            name=checkpoint_name,
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])]
            if docs
            else [],
            result_format=result_format,
        )
    )
    result = checkpoint.run(run_id=RunIdentifier(run_name=run_id))
    release_duckdb_connections()
    rows: list[ResultRow] = []
    for suite_result in result.run_results.values():
        spec = by_suite[suite_result.suite_name]
        seen: dict[str, int] = {}
        for r in suite_result.results:
            row = _row(run_id, spec, r)
            # (run, suite, expectation) is the key of dq.results: number repeats
            seen[row.expectation] = seen.get(row.expectation, 0) + 1
            if seen[row.expectation] > 1:
                row.expectation += f"#{seen[row.expectation]}"
            rows.append(row)
    log.info(
        "validated %d suites, %d expectations in %.1fs",
        len(specs),
        len(rows),
        time.perf_counter() - started,
    )
    return rows


def build_docs(settings: Any, gx_root: Path | None = None) -> Path:
    """(Re)build the Data Docs site from every stored validation result; its index."""
    ctx = _context(settings, gx_root or gx_root_of(settings))
    ctx.build_data_docs(site_names=[DOCS_SITE])
    return docs_dir_of(settings) / "index.html"


def _forget(store: Any, name: str) -> None:
    key = store.get_key(name=name, id=None)
    if store.has_key(key):
        store.remove_key(key)


def _row(run_id: str, spec: SuiteSpec, r: Any) -> ResultRow:
    cfg = r.expectation_config
    meta = cfg.meta or {}
    severity: Severity = meta.get("severity") or FROM_GX_SEVERITY.get(str(cfg.severity), "fail")
    res = r.result or {}
    column = cfg.kwargs.get("column") or (
        f"{cfg.kwargs['column_A']},{cfg.kwargs['column_B']}" if "column_A" in cfg.kwargs else None
    )
    unexpected = res.get("unexpected_count")
    observed = res.get("observed_value")
    sample: list[Any] | None = None
    if (
        "details" in res
        and isinstance(res["details"], dict)
        and "unexpected_rows" in res["details"]
    ):
        rows = res["details"]["unexpected_rows"] or []
        sample = rows[:SAMPLE_SIZE]
        unexpected = observed  # the query's row count
    elif res.get("partial_unexpected_index_list"):
        sample = [
            f"{i.get('_file')}#{i.get('_row_number')}"
            for i in res["partial_unexpected_index_list"][:SAMPLE_SIZE]
        ]
    elif res.get("partial_unexpected_list"):
        sample = res["partial_unexpected_list"][:SAMPLE_SIZE]
    exception = None
    info = r.exception_info or {}
    if info.get("raised_exception"):
        exception = str(info.get("exception_message"))[:500]
    else:
        for value in info.values():
            if isinstance(value, dict) and value.get("raised_exception"):
                exception = str(value.get("exception_message"))[:500]
                break
    name = f"{meta.get('check', cfg.type)}:{cfg.type}" + (f":{column}" if column else "")
    return ResultRow(
        run_id=run_id,
        suite=spec.name,
        expectation=f"{name}:{severity}",
        expectation_type=cfg.type,
        column_name=column,
        severity=severity,
        success=bool(r.success),
        observed_value=None if observed is None else json.dumps(observed, default=str)[:1000],
        unexpected_count=None if unexpected is None else int(unexpected),
        unexpected_percent=res.get("unexpected_percent"),
        unexpected_sample=None
        if not sample
        else json.dumps(sample, default=str, ensure_ascii=False)[:2000],
        exception=exception,
        feed=spec.feed,
        delivery_date=spec.delivery_date,
    )
