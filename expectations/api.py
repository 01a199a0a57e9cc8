"""Public entry points: ``validate`` (the quality gate) and ``is_blocked``.

``validate(settings, "population", date(2026, 10, 3))`` validates every file
kind of that feed's delivery; ``"raw"`` validates each feed's delivery;
``"marts"`` the key marts. A ``fail`` expectation that does not pass blocks
the delivery: the verdict goes to ``dq.deliveries`` for the DAGs to read.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from expectations import context as dctx
from expectations.runner import ResultRow, SuiteSpec, docs_dir_of, run_suites
from expectations.runner import build_docs as _build_docs
from expectations.store import DeliveryVerdict, RunRecord, latest_blocked, save
from ingest import raw_store
from ingest.contract import Feed, load_feeds
from ingest.raw_store import connect
from zhiwang.errors import ZhiwangError
from zhiwang.settings import Settings

log = logging.getLogger("zhiwang.expectations")
LAYERS = ("raw", "marts")


@dataclass
class ValidationSummary:
    """What one ``validate`` call found; ``blocked`` is the gate."""

    target: str
    run_id: str
    results: list[ResultRow]
    deliveries: list[DeliveryVerdict] = field(default_factory=list)
    seconds: float = 0.0
    docs_index: Path | None = None

    @property
    def blocked(self) -> bool:
        return any(r.severity == "fail" and not r.success for r in self.results)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per severity: expectations evaluated, passed and failed."""
        out = {s: {"total": 0, "passed": 0, "failed": 0} for s in ("fail", "warn")}
        for r in self.results:
            c = out[r.severity]
            c["total"] += 1
            c["passed" if r.success else "failed"] += 1
        return out

    @property
    def status(self) -> str:
        if self.blocked:
            return "fail"
        return "warn" if self.counts["warn"]["failed"] else "pass"

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"validate {self.target}: {self.status.upper()}"
            + (
                " — BLOCKED: downstream transform and publishing must not run"
                if self.blocked
                else ""
            ),
            f"  run {self.run_id}: {len(self.results)} expectations in {self.seconds:.1f}s; "
            f"fail-level {c['fail']['passed']}/{c['fail']['total']} passed, "
            f"warn-level {c['warn']['passed']}/{c['warn']['total']} passed",
        ]
        for d in self.deliveries:
            lines.append(
                f"  {d.feed} {d.delivery_date}: {d.status}"
                + (" (blocked)" if d.blocked else "")
                + f", {d.failed_fail} fail / {d.failed_warn} warn not met"
            )
        for r in sorted(self.results, key=lambda r: (r.severity != "fail", r.suite)):
            if r.success:
                continue
            what = r.exception or (
                f"observed {r.observed_value}"
                if r.observed_value is not None
                else f"{r.unexpected_count} unexpected ({(r.unexpected_percent or 0):.2f}%)"
            )
            lines.append(f"  [{r.severity}] {r.suite} {r.expectation.rsplit(':', 1)[0]}: {what}")
        if self.docs_index:
            lines.append(f"  Data Docs: {self.docs_index}")
        return "\n".join(lines)


def validate(
    settings: Settings,
    target: str,
    delivery_date: date | None = None,
    gx_root: Path | None = None,
    docs: bool = True,
) -> ValidationSummary:
    """Validate a feed's delivery (default: its latest), all feeds (``raw``) or ``marts``.

    ``docs=False`` skips the Data Docs update (about a quarter of GX's CPU time),
    for a pipeline that renders them in a later task.
    """
    feeds = load_feeds()
    if target not in feeds and target not in LAYERS:
        raise ZhiwangError(
            f"unknown validation target {target!r}; use one of: {', '.join([*feeds, *LAYERS])}"
        )
    if not Path(settings.warehouse).exists():
        raise ZhiwangError(f"no warehouse at {settings.warehouse}: run `zhiwang ingest` first")
    started_at = datetime.now()
    t0 = time.perf_counter()
    run_id = f"{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    if target == "marts":
        specs, deliveries = _mart_specs(settings), []
        rows = run_suites(settings, specs, run_id, "zhiwang_marts", gx_root, docs) if specs else []
    else:
        names = list(feeds) if target == "raw" else [target]
        plans = [p for n in names if (p := _plan_feed(settings, feeds[n], delivery_date, run_id))]
        if target != "raw" and not plans:
            raise ZhiwangError(
                f"feed {target!r} has no ingested delivery"
                + (f" on {delivery_date}" if delivery_date else "")
                + ": run `zhiwang ingest` first"
            )
        specs = [spec for plan in plans for spec in plan.specs]
        # one checkpoint for every feed: GX's fixed cost is paid once per call
        rows = (
            run_suites(settings, specs, run_id, f"zhiwang_{target}", gx_root, docs) if specs else []
        )
        deliveries = []
        for plan in plans:
            feed_rows = [r for r in rows if r.feed == plan.feed] + plan.rejected_rows
            deliveries.append(plan.verdict(feed_rows))
        rows += [r for plan in plans for r in plan.rejected_rows]
    summary = ValidationSummary(target, run_id, rows, deliveries, time.perf_counter() - t0)
    index = docs_dir_of(settings) / "index.html"
    summary.docs_index = index if docs and index.exists() else None
    c = summary.counts
    run = RunRecord(
        run_id=run_id,
        target=target,
        layer="marts" if target == "marts" else "raw",
        delivery_date=delivery_date,
        started_at=started_at,
        finished_at=datetime.now(),
        seconds=summary.seconds,
        expectations=len(rows),
        failed_fail=c["fail"]["failed"],
        failed_warn=c["warn"]["failed"],
        status=summary.status,
    )
    with connect(settings) as con:
        save(con, run, rows, deliveries)
    log.info("validate %s: %s in %.1fs", target, summary.status, summary.seconds)
    return summary


def build_docs(settings: Settings, gx_root: Path | None = None) -> Path:
    """Render the Data Docs site (``<data_docs_dir>/index.html``) from every stored result.

    For pipelines that validate with ``docs=False`` and render once at the end.
    """
    if not (gx_root or settings.gx).exists():
        raise ZhiwangError("nothing validated yet: run `zhiwang validate <feed|raw|marts>` first")
    return _build_docs(settings, gx_root)


def is_blocked(settings: Settings, feed: str, delivery_date: date) -> bool:
    """True when the newest validation of this delivery failed (or it was never validated)."""
    with connect(settings, read_only=True) as con:
        verdict = latest_blocked(con, feed, delivery_date)
    # an unvalidated delivery has not passed the gate: downstream must wait
    return True if verdict is None else verdict


@dataclass
class _FeedPlan:
    """One feed's delivery, ready to validate."""

    feed: str
    day: date
    run_id: str
    specs: list[SuiteSpec]
    rejected_rows: list[ResultRow]
    totals: tuple[int, int, int]

    def verdict(self, rows: list[ResultRow]) -> DeliveryVerdict:
        failed_fail = sum(r.severity == "fail" and not r.success for r in rows)
        failed_warn = sum(r.severity == "warn" and not r.success for r in rows)
        return DeliveryVerdict(
            feed=self.feed,
            delivery_date=self.day,
            run_id=self.run_id,
            status="fail" if failed_fail else ("warn" if failed_warn else "pass"),
            blocked=failed_fail > 0,
            expectations=len(rows),
            failed_fail=failed_fail,
            failed_warn=failed_warn,
            rows_received=self.totals[0],
            rows_loaded=self.totals[1],
            rows_quarantined=self.totals[2],
            checked_at=datetime.now(),
        )


def _plan_feed(
    settings: Settings, feed: Feed, delivery_date: date | None, run_id: str
) -> _FeedPlan | None:
    from expectations.suites import raw as raw_suites

    with connect(settings, read_only=True) as con:
        if not raw_store.has_audit(con):
            return None
        dates = raw_store.loaded_dates(con, feed.feed)
        rejected_dates = raw_store.rejected_files(con, feed.feed)
        day = delivery_date or max([*dates, *rejected_dates], default=None)
        if day is None:
            return None
        kinds = dctx.kind_deliveries(con, feed, day)
        tables = dctx.populated_tables(con)
        ctx = dctx.DeliveryContext(
            feed=feed,
            delivery_date=day,
            kinds=kinds,
            communities_sql=dctx.communities_in_force_sql(settings.reference_dir, day, tables),
            known_tables=tables,
            register_grids_sql=dctx.register_grids_sql(settings.reference_dir, day, tables),
        )
        ctx.baselines = raw_suites.baselines(con, day, [k.kind.kind for k in kinds])
        rejected = rejected_dates.get(day, [])
        totals = raw_store.delivery_totals(con, feed.feed, day)
    if not kinds and not rejected:
        return None
    specs = [
        SuiteSpec(
            name=f"raw.{k.kind.kind}",
            expectations=raw_suites.build(k, ctx),
            query=raw_suites.asset_query(k.kind, day, ctx.communities_sql),
            feed=feed.feed,
            delivery_date=day,
        )
        for k in kinds
    ]
    return _FeedPlan(
        feed=feed.feed,
        day=day,
        run_id=run_id,
        specs=specs,
        rejected_rows=[_rejected_row(run_id, feed.feed, day, f, msg) for f, msg in rejected],
        totals=totals,
    )


def _rejected_row(run_id: str, feed: str, day: date, file: str, message: str) -> ResultRow:
    """A whole file the ingest rejected: the delivery is incomplete, so it fails the gate."""
    return ResultRow(
        run_id=run_id,
        suite=f"raw.{feed}",
        expectation="file_not_rejected:audit.batches:fail",
        expectation_type="audit_file_not_rejected",
        column_name=None,
        severity="fail",
        success=False,
        observed_value=f'"{message[:200]}"',
        unexpected_count=1,
        unexpected_percent=None,
        unexpected_sample=f'["{file}"]',
        exception=None,
        feed=feed,
        delivery_date=day,
    )


def _mart_specs(settings: Settings) -> list[SuiteSpec]:
    from expectations.suites import marts

    with connect(settings, read_only=True) as con:
        tables = dctx.existing_tables(con)
        columns: dict[str, set[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('marts', 'internal')"
        ).fetchall():
            columns.setdefault(f"{schema}.{table}", set()).add(column)
    specs = []
    for table, builder in marts.SUITES.items():
        # person-grain marts live in `internal` (never published, docs/PRIVACY.md)
        schema = "marts" if f"marts.{table}" in tables else "internal"
        name = f"{schema}.{table}"
        if name in tables:
            specs.append(
                SuiteSpec(
                    name=name,
                    expectations=builder(columns.get(name, set()), tables),
                    table=(schema, table),
                )
            )
    return specs
