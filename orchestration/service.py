"""The work of the feed and transform DAGs' tasks, callable without Airflow.

Each function takes the typed settings and plain dates and returns a small
JSON-able summary (counts only: no personal data reaches XCom or the logs).
Airflow-specific decisions (skip, fail without retry) are signalled with the
exceptions below and translated in the DAG files.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.dbt_results import DbtResults, read_run_results
from orchestration.locking import warehouse_lock
from zhiwang.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class DeliveryBlockedError(RuntimeError):
    """A quality gate failed: the delivery must not flow downstream (no retry)."""


def complete_deliveries(
    settings: Settings, feed: str, dates: list[date], file_prefix: str | None = None
) -> list[date]:
    """Dates among ``dates`` whose delivery folder is complete (``_SUCCESS`` written last)."""
    done = []
    for day in dates:
        folder = settings.landing / feed / day.isoformat()
        if not (folder / "_SUCCESS").is_file():
            continue
        if file_prefix and not any(p.name.startswith(file_prefix) for p in folder.iterdir()):
            continue
        done.append(day)
    return done


def ingest_deliveries(settings: Settings, feed: str, dates: list[date]) -> dict[str, object]:
    """Load the feed's complete deliveries for these dates; idempotent (identical files no-op)."""
    from ingest.api import ingest

    per_date: dict[str, dict[str, int]] = {}
    with warehouse_lock(settings.warehouse):
        for day in dates:
            report = ingest(settings, feeds=[feed], delivery_date=day)
            per_date[day.isoformat()] = _report_counts(report)
    log.info("ingested %s: %s", feed, per_date)
    return {"feed": feed, "dates": [d.isoformat() for d in dates], "files": per_date}


def _report_counts(report: object) -> dict[str, int]:
    """Counts from an IngestReport, whatever list attributes it carries."""
    counts = {}
    for name in ("loaded", "skipped", "superseded", "rejected", "refused", "incomplete"):
        value = getattr(report, name, None)
        if isinstance(value, list | tuple | set | dict):
            counts[name] = len(value)
    return counts


def validate_deliveries(settings: Settings, feed: str, dates: list[date]) -> dict[str, object]:
    """Run the feed's quality gates for each date; raise if any delivery is blocked.

    The Data Docs are rendered once per run, not per date: by the transform DAG
    after the marts gate, or here when a blocked delivery ends the run (so the
    operator can read why without waiting for the next transform).
    """
    from expectations.api import validate
    from ingest import raw_store

    results = {}
    blocked = []
    with warehouse_lock(settings.warehouse):
        seen = raw_store.statuses_by_date(settings, feed)
        for day in dates:
            if not seen.get(day, set()) & set(raw_store.LIVE):
                # Nothing live to check: every file of the date was superseded by a
                # later delivery (a weekly run over several dates, a rerun of an old
                # date: its rows are checked with the delivery that replaced them), is
                # an identical re-delivery, or the folder held no file at all.
                verdict = "/".join(sorted(seen.get(day, set()))) or "empty"
                results[day.isoformat()] = f"skipped ({verdict})"
                log.info("quality gates %s %s: no live batch (%s), skipped", feed, day, verdict)
                continue
            summary = validate(settings, target=feed, delivery_date=day, docs=False)
            results[day.isoformat()] = "blocked" if summary.blocked else "passed"
            log.info("quality gates %s %s:\n%s", feed, day, summary.summary())
            if summary.blocked:
                blocked.append(day.isoformat())
    if blocked:
        try:
            build_data_docs(settings)
        except Exception:  # the block is the verdict; a rendering error must not hide it
            log.exception("Data Docs not rendered for the blocked %s run", feed)
        raise DeliveryBlockedError(f"{feed} deliveries blocked by quality gates: {blocked}")
    return {"feed": feed, "gates": results}


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt subprocess: the profile reads only ``env_var()``."""
    env = dict(os.environ)
    # every setting (threads, memory limit, the disclosure k), and the pseudonym key that
    # the zw_pseudonym() plugin reads from the environment only, never by SQL
    env.update(settings.environ())
    env.update({"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    return env


def _dbt_executable() -> str:
    # The dbt next to this interpreter: the Airflow env and the root env each have one.
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


# The scheduled build leaves out dbt's unit tests: they check the models' SQL on
# hand-made fixtures, not the delivered data, so their verdict cannot change between
# two deliveries. CI runs them (tests/dbt builds the project with them), and dbt
# advises excluding them in production; at district scale they were ~18 s of the
# daily build (bench/transform.py --daily-build).
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")


# The staging data tests (not_null, accepted values, the batch-scoped source_row_id's
# uniqueness) judge each delivered row on its own, so a row that passed them in a
# successful build passes them for ever. The scheduled build runs them on the rows of
# batches no successful build has tested yet (audit.tested_batches, kept by
# ingest/raw_store.py; the filter is dbt_project/macros/test_scope.sql); a build by
# hand, without the var, tests every row. With the same var, the tests of the large
# incremental models read the rows written since the last successful scheduled build
# finished (the newest tested_at: record_tested runs after the build, under the lock).
NEW_BATCHES_VAR = "test_new_batches_only"


def scoped_test_args(settings: Settings) -> tuple[list[str], list[str]]:
    """The dbt args that scope the staging tests to untested batches (none while
    ``audit.tested_batches`` does not exist: every row is tested), and the live batches
    now: ``record_tested`` records them after a
    successful build. Batches committed after this call are tested by the next build."""
    import json

    from ingest import raw_store

    if not settings.warehouse.exists():
        return [], []
    with raw_store.connect(settings, read_only=True) as con:
        batch_ids = raw_store.live_batch_ids(con)
        scoped = raw_store.has_tested_batches(con)
    return (["--vars", json.dumps({NEW_BATCHES_VAR: True})] if scoped else []), batch_ids


def record_tested(settings: Settings, batch_ids: list[str]) -> int:
    """After a successful build: its staging tests covered these batches' rows."""
    from datetime import UTC, datetime

    from ingest import raw_store

    if not batch_ids:
        return 0
    with raw_store.connect(settings) as con:
        return raw_store.record_tested_batches(
            con, batch_ids, datetime.now(UTC).replace(tzinfo=None)
        )


def run_dbt_build(settings: Settings) -> dict[str, object]:
    """``dbt build`` of the whole project (models, seeds, data tests) as one warehouse
    writer."""
    from expectations.store import bootstrap

    # target/ and logs/ of this installation: several checkouts or runs never share them.
    target, logs = settings.dbt_target, settings.dbt_logs
    cmd = [
        _dbt_executable(),
        "--no-use-colors",
        "build",
        *PRODUCTION_BUILD_ARGS,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target),
        "--log-path", str(logs),
    ]  # fmt: skip
    results_path = target / "run_results.json"
    results_path.unlink(missing_ok=True)  # never judge this build by an earlier one's results
    started = time.monotonic()
    with warehouse_lock(settings.warehouse):
        # the dq tables exist before the first build: stg_dq__* are views over them
        bootstrap(settings)
        scope_args, batch_ids = scoped_test_args(settings)
        proc = subprocess.run(
            [*cmd, *scope_args],
            env=dbt_env(settings),
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            newly = record_tested(settings, batch_ids)
            log.info("staging tests covered %d new batches (audit.tested_batches)", newly)
    seconds = round(time.monotonic() - started, 1)
    lines = proc.stdout.splitlines()
    # dbt prints model and test names and counts, never row values: safe to log.
    log.info("dbt build exit %s in %ss:\n%s", proc.returncode, seconds, "\n".join(lines[-40:]))
    results = read_run_results(results_path)
    if proc.returncode != 0:
        raise dbt_failure(proc.returncode, results, proc.stderr, logs / "dbt.log")
    return {"seconds": seconds, "summary": [results.summary()] if results else lines[-1:]}


def dbt_failure(
    returncode: int, results: DbtResults | None, stderr: str, log_path: Path
) -> Exception:
    """The exception for a failed ``dbt build``: blocked (no retry) when only data tests failed.

    Decided from dbt's structured results (``run_results.json``), never its console
    text. dbt exits 1 for failed models or tests and 2 for a crash (then there may be
    no results at all). Failed data tests are deterministic, so a retry would fail
    the same way: they block the publish at once, like a quality gate. Model errors
    (a database error may be a held lock) and crashes stay retryable.
    """
    failed_tests = results.failed_tests if results else []
    errors = results.errors if results else []
    detail = (
        (results.summary() if results else "dbt wrote no run_results.json")
        + "\n"
        + "\n".join(
            [
                *(f"{n.resource_type} {n.name}: {n.message}" for n in errors[:20]),
                *(f"failed test {n.name}: {n.message}" for n in failed_tests[:20]),
            ]
        )
        + (f"\n{stderr[-1500:]}" if stderr.strip() else "")
        + f"\nfull log: {log_path}"
    )
    if returncode == 1 and failed_tests and not errors:
        return DeliveryBlockedError(f"dbt tests failed, marts not published: {detail}")
    return RuntimeError(f"dbt build failed (exit {returncode}): {detail}")


def validate_marts(settings: Settings) -> dict[str, object]:
    """The marts' quality gates; a blocked result stops the publish."""
    from expectations.api import validate

    with warehouse_lock(settings.warehouse):
        summary = validate(settings, target="marts", delivery_date=None, docs=False)
    log.info("quality gates marts:\n%s", summary.summary())
    if summary.blocked:
        raise DeliveryBlockedError("marts blocked by quality gates: not published")
    return {"marts": "passed"}


def build_data_docs(settings: Settings) -> dict[str, object]:
    """Render the Data Docs site once from every stored validation result.

    The gates validate with ``docs=False`` (rendering is about a quarter of GX's
    CPU time per call); this runs once at the end of a run. Before anything was
    validated (a first transform whose dbt build failed) there is nothing to render.
    """
    from expectations.api import build_docs
    from expectations.runner import gx_root_of

    if not gx_root_of(settings).exists():
        log.info("Data Docs: nothing validated yet, not rendered")
        return {"data_docs": None}
    started = time.monotonic()
    index = build_docs(settings)
    log.info("Data Docs rendered in %.1fs: %s", time.monotonic() - started, index)
    return {"data_docs": str(index)}
