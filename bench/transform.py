"""Benchmark the dbt transform: a full build and a daily incremental one.

Same run, same inputs: a baseline DuckDB pass over every raw table (all
columns read) beside

- ``dbt build --full-refresh`` over every delivery but the last,
- the last delivery ingested, then ``dbt run`` (the incremental models pick up
  only what it touched) and ``dbt build`` (run + every data test),

each with wall time, peak memory of the dbt process, rows read (raw rows)
and rows written (rows of every table dbt materialised), and a ratio against
the baseline so figures from different machines compare; then each step's five
slowest nodes (every node's time: ``run_results-<step>.json`` in the work dir). District scale is
heavy: run it under the shared lock.

    flock /tmp/zhiwang-heavy.lock env ZHIWANG_VAR_DIR=/work/data/district/bench-transform \\
        ZHIWANG_LANDING_DIR=/work/data/district/landing \\
        uv run --frozen python bench/transform.py --ingest

``--ingest`` (re)creates the warehouse under the var dir from the landing
folder: all delivery dates but the last, then the last one before the
incremental build. Without it the existing warehouse is used and the
incremental build has nothing new (a no-op run). ``--generate SCALE`` writes
deliveries into the landing folder first.

To iterate on the daily step alone: ``--ingest --save-state DIR`` keeps a copy
of the warehouse (DuckDB file and raw Parquet) as it was after the full build,
before the last delivery; ``--from-state DIR`` restores that copy and measures
only the daily delivery (ingest, ``dbt run``, ``dbt build``), skipping the
minutes of ingest and full build. The copy is only valid for the dbt project as
it was when saved: save it again after changing a model's columns.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

# bench/ingest.py would shadow the `ingest` package: drop this folder from the path
sys.path[:] = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

import duckdb  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent))  # after the packages: results_io only
from results_io import Step, raw_scan, run_measured, write_steps  # noqa: E402

from orchestration.dbt_results import read_run_results  # noqa: E402
from orchestration.service import (  # noqa: E402
    PRODUCTION_BUILD_ARGS,
    record_tested,
    scoped_test_args,
)
from zhiwang.settings import Settings, get_settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "dbt_project"
BUILT_SCHEMAS = ("staging", "intermediate", "marts", "reference")


@dataclass(frozen=True)
class DailyRun:
    """One daily build of ``--daily-repeats``."""

    run: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    baseline_seconds: float
    rows_read: int
    slowest: list[tuple[str, float]]


def _rows_written(warehouse: Path) -> int:
    """Rows in every table (not view) dbt materialised."""
    schemas = ", ".join(f"'{s}'" for s in BUILT_SCHEMAS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_type = 'BASE TABLE' and table_schema in ({schemas})"
        ).fetchall()
        return sum(
            con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            for schema, name in tables
        )


def _slowest(work: Path, step: str, top: int = 5) -> list[tuple[str, float]]:
    """The step's run_results.json kept beside the others (each dbt call overwrites
    target/), and its ``top`` slowest nodes as (name, seconds)."""
    results = work / "target" / "run_results.json"
    kept = work / f"run_results-{step}.json"
    shutil.copy(results, kept)
    read = read_run_results(kept)
    return read.slowest(top) if read else []


def _dbt(command: str, warehouse: Path, work: Path, *extra: str) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``dbt <command>``; exits on failure."""
    env = {
        **os.environ,
        "ZHIWANG_WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DO_NOT_TRACK": "1",
        # the pseudonym plugin's key, from the environment / .env as the pipeline reads it
        "ZHIWANG_PSEUDONYM_KEY": get_settings().pseudonym_secret(),
    }
    dbt = Path(sys.executable).parent / "dbt"
    # the quality models read the GX gate's dq schema, which this bench does not write
    select = ["--exclude", "source:dq+"] if command != "parse" else []
    if command == "build":
        select += PRODUCTION_BUILD_ARGS  # as the pipeline builds (no unit tests)
    cmd = [str(dbt), command, *select, *extra,
           "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT)]  # fmt: skip
    (work / "target" / "run_results.json").unlink(missing_ok=True)  # this call's results only
    run = run_measured(cmd, env=env, cwd=REPO)
    if run.returncode != 0:
        results = read_run_results(work / "target" / "run_results.json")
        failed = [f"{n.unique_id}: {n.status} {n.message}" for n in results.nodes
                  if n.status in ("fail", "error")] if results else []  # fmt: skip
        sys.exit(
            f"dbt {command} failed ({results.summary() if results else 'no run_results.json'}):\n"
            + ("\n".join(failed[:20]) if failed else run.output[-6000:])
        )
    return run.seconds, run.peak_rss_mb, run.cpu_seconds


def _delivery_dates(landing: Path) -> list[date]:
    return sorted(
        {date.fromisoformat(day.name) for feed in landing.iterdir() if feed.is_dir()
         for day in feed.iterdir() if day.is_dir()}
    )  # fmt: skip


def _ingest(settings: Settings, days: list[date]) -> float:
    from ingest.api import ingest

    start = time.perf_counter()
    for day in days:
        report = ingest(settings, delivery_date=day)
        print(f"  ingested {day}: {report.received:,} rows received", flush=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", choices=["tiny", "district", "city"], default=None)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--ingest", action="store_true", help="rebuild the warehouse first")
    parser.add_argument(
        "--save-state",
        type=Path,
        default=None,
        help="with --ingest: keep the warehouse as it was before the daily run",
    )
    parser.add_argument(
        "--from-state",
        type=Path,
        default=None,
        help="restore a --save-state copy and measure only the daily delivery",
    )
    parser.add_argument(
        "--daily-build",
        action="store_true",
        help="measure the daily delivery with one `dbt build` (models + tests, what the "
        "Airflow transform task runs) instead of `dbt run` followed by `dbt build`",
    )
    parser.add_argument(
        "--daily-only",
        action="store_true",
        help="the warehouse under the var dir already holds every delivery but the last, "
        "built: measure only the daily delivery (e.g. after a full build whose tests failed)",
    )
    parser.add_argument(
        "--quiet-day",
        action="store_true",
        help="after the daily build, record its batches as tested (as the scheduled build "
        "does) and run one more `dbt build` with nothing new delivered: the part of a "
        "day's build that does not depend on what the day delivered",
    )
    parser.add_argument(
        "--daily-repeats",
        type=int,
        default=1,
        help="with --daily-build: measure the daily build this many times, each from the "
        "same pre-daily warehouse (kept as with --save-state), and report the median run "
        "(every run's figures are in the JSON)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if args.daily_repeats < 1:
        parser.error("--daily-repeats must be at least 1")
    if args.daily_repeats > 1 and (not args.daily_build or args.quiet_day or args.daily_only):
        parser.error("--daily-repeats needs --daily-build, without --quiet-day or --daily-only")
    if args.daily_repeats > 1 and not (args.ingest or args.from_state):
        parser.error("--daily-repeats needs --ingest or --from-state (a state to repeat from)")
    settings = Settings()
    if args.generate:
        from generator.api import generate

        generate(
            settings.landing,
            settings.ground_truth,
            scale=args.generate,
            seed=42,
            start=date(2026, 10, 1),
            days=args.days,
            dirt=1.0,
        )
    work = settings.var_dir / "bench-transform"
    shutil.rmtree(work, ignore_errors=True)
    dates = _delivery_dates(settings.landing)
    if args.from_state or args.daily_only:
        if args.from_state:
            _restore_state(args.from_state, settings)
        _daily(
            settings,
            work,
            dates,
            [],
            {},
            restored=True,
            build_only=args.daily_build,
            quiet_day=args.quiet_day,
            json_path=args.json,
            repeats=args.daily_repeats,
            state=args.from_state,
        )
        return
    if args.ingest:
        if len(dates) < 2:
            sys.exit(f"need at least two delivery dates under {settings.landing}")
        settings.warehouse.unlink(missing_ok=True)
        shutil.rmtree(settings.raw, ignore_errors=True)
        print(f"ingest {dates[0]}..{dates[-2]} from {settings.landing}", flush=True)
        ingest_seconds = _ingest(settings, dates[:-1])
        print(f"  ingest took {ingest_seconds:.1f} s", flush=True)

    rows_read, baseline = raw_scan(settings.warehouse)
    _scope, batch_ids = scoped_test_args(settings)
    full, full_mb, full_cpu = _dbt("build", settings.warehouse, work, "--full-refresh")
    record_tested(settings, batch_ids)  # as the pipeline does after a successful build
    slowest = {"dbt build --full-refresh": _slowest(work, "full-build")}
    written = _rows_written(settings.warehouse)
    results = [("dbt build --full-refresh", full, full_mb, rows_read, written, baseline, full_cpu)]
    state = args.save_state
    if args.ingest and state is None and args.daily_repeats > 1:
        # the repeats restore this copy; it is gigabytes, so it goes when they are done
        state = settings.var_dir / "bench-transform-state"
    if state and args.ingest:
        _save_state(state, settings)
    daily_dates = dates if args.ingest else []
    _daily(
        settings,
        work,
        daily_dates,
        results,
        slowest,
        build_only=args.daily_build,
        quiet_day=args.quiet_day,
        json_path=args.json,
        ingest_seconds=ingest_seconds if args.ingest else None,
        repeats=args.daily_repeats,
        state=state,
    )
    if state is not None and args.save_state is None:
        shutil.rmtree(state, ignore_errors=True)


def _save_state(state: Path, settings: Settings) -> None:
    """Copy the warehouse file and its raw Parquet folder to ``state``."""
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    shutil.copy2(settings.warehouse, state / "zhiwang.duckdb")
    shutil.copytree(settings.raw, state / "raw")
    print(f"  saved the pre-daily warehouse to {state}", flush=True)


def _restore_state(state: Path, settings: Settings) -> None:
    """Put a ``_save_state`` copy back where the settings expect it (the raw views
    name their Parquet files by absolute path, so the paths must be the same)."""
    if not (state / "zhiwang.duckdb").is_file():
        sys.exit(f"no saved state in {state}: run with --ingest --save-state {state} first")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # a run stopped mid-build leaves its write-ahead log beside the file; replayed
    # onto the restored copy, DuckDB refuses to open it
    settings.warehouse.with_name(settings.warehouse.name + ".wal").unlink(missing_ok=True)
    shutil.copy2(state / "zhiwang.duckdb", settings.warehouse)
    shutil.rmtree(settings.raw, ignore_errors=True)
    shutil.copytree(state / "raw", settings.raw)
    # the copy is gigabytes of dirty pages: written back now, not by the kernel
    # during the timed build (it made the same build vary by 10 s and more)
    os.sync()
    print(f"restored the pre-daily warehouse from {state}", flush=True)


def _before_daily_build(
    settings: Settings, work: Path, dates: list[date]
) -> tuple[int, float, list[str], list[str]]:
    """Ingest the last delivery date (when ``dates`` is given), scan the raw tables
    (the baseline) and parse untimed; the raw rows, the scan's seconds, the daily
    build's scope args and the live batch ids."""
    if dates:
        print(f"ingest {dates[-1]} (the daily delivery)", flush=True)
        _ingest(settings, dates[-1:])
    rows_now, baseline_now = raw_scan(settings.warehouse)
    # the build Airflow runs: staging tests on the batches no build has tested yet
    scope, batch_ids = scoped_test_args(settings)
    # Parse first, untimed, with the daily build's vars: a scheduled build finds
    # target/ as the previous day's build left it (same vars), so it parses only
    # what changed. Without this, a restored state (no target/) or the full
    # build's other vars would make the timed build parse the whole project.
    _dbt("parse", settings.warehouse, work, *scope)
    return rows_now, baseline_now, scope, batch_ids


def _daily(
    settings: Settings,
    work: Path,
    dates: list[date],
    results: list[tuple[str, float, float, int, int | None, float, float]],
    slowest: dict[str, list[tuple[str, float]]],
    restored: bool = False,
    build_only: bool = False,
    quiet_day: bool = False,
    json_path: Path | None = None,
    ingest_seconds: float | None = None,
    repeats: int = 1,
    state: Path | None = None,
) -> None:
    """Ingest the last delivery date (when ``dates`` is given), then the incremental
    ``dbt run`` and ``dbt build`` (``build_only``: one ``dbt build`` on the new
    delivery); print every step's figures. ``restored``: the warehouse came from
    ``--from-state``, no full build ran in this process. ``quiet_day``: then one
    more ``dbt build`` with nothing new, after recording the daily build's batches
    as tested as the scheduled build does (orchestration/service.py): what a day
    costs whatever it delivered (table models re-derived, every unscoped test).
    ``repeats`` > 1 (``build_only``): the daily delivery's ingest and build again from
    ``state`` (the pre-daily warehouse), each with its own raw scan; the median run
    (by wall time) is the step's figure and every run is in the JSON."""
    rows_now, baseline_now, scope, batch_ids = _before_daily_build(settings, work, dates)
    if build_only and repeats > 1:
        assert state is not None and not quiet_day
        runs = []
        for run in range(1, repeats + 1):
            if run > 1:
                _restore_state(state, settings)
                rows_now, baseline_now, scope, _ = _before_daily_build(settings, work, dates)
            seconds, peak_mb, cpu = _dbt("build", settings.warehouse, work, *scope)
            print(f"  daily build, run {run} of {repeats}: {seconds:.1f} s, {cpu:.1f} CPU-s, "
                  f"raw scan {baseline_now:.1f} s", flush=True)  # fmt: skip
            runs.append(
                DailyRun(
                    run,
                    seconds,
                    peak_mb,
                    cpu,
                    baseline_now,
                    rows_now,
                    _slowest(work, f"incremental-build-{run}"),
                )
            )
        median = sorted(runs, key=lambda r: r.seconds)[(repeats - 1) // 2]
        step = "dbt build (daily, new data)"
        slowest[step] = median.slowest
        shutil.copy(
            work / f"run_results-incremental-build-{median.run}.json",
            work / "run_results-incremental-build.json",
        )
        # every run wrote the same rows (same state, same delivery): count them once
        written_now = _rows_written(settings.warehouse)
        results.append(
            (step, median.seconds, median.peak_rss_mb, median.rows_read, written_now,
             median.baseline_seconds, median.cpu_seconds)
        )  # fmt: skip
        every = [asdict(r) for r in runs]
        _print_and_write(settings, work, results, slowest, restored, json_path,
                         ingest_seconds, written_now, daily_runs=every)  # fmt: skip
        return
    if not build_only:
        inc_run, inc_run_mb, inc_run_cpu = _dbt("run", settings.warehouse, work, *scope)
        step = "dbt run (incremental)"
        slowest[step] = _slowest(work, "incremental-run")
        results.append((step, inc_run, inc_run_mb, rows_now, None, baseline_now, inc_run_cpu))
    inc_build, inc_build_mb, inc_build_cpu = _dbt("build", settings.warehouse, work, *scope)
    step = "dbt build (daily, new data)" if build_only else "dbt build (incremental)"
    slowest[step] = _slowest(work, "incremental-build")
    written_now = _rows_written(settings.warehouse)
    results.append(
        (step, inc_build, inc_build_mb, rows_now, written_now, baseline_now, inc_build_cpu)
    )
    if quiet_day:
        record_tested(settings, batch_ids)  # as the pipeline does after a successful build
        quiet_scope, _ = scoped_test_args(settings)
        _dbt("parse", settings.warehouse, work, *quiet_scope)
        quiet, quiet_mb, quiet_cpu = _dbt("build", settings.warehouse, work, *quiet_scope)
        step = "dbt build (nothing new)"
        slowest[step] = _slowest(work, "quiet-build")
        results.append((step, quiet, quiet_mb, rows_now, None, baseline_now, quiet_cpu))

    _print_and_write(settings, work, results, slowest, restored, json_path,
                     ingest_seconds, written_now)  # fmt: skip


def _print_and_write(
    settings: Settings,
    work: Path,
    results: list[tuple[str, float, float, int, int | None, float, float]],
    slowest: dict[str, list[tuple[str, float]]],
    restored: bool,
    json_path: Path | None,
    ingest_seconds: float | None,
    written_now: int,
    daily_runs: list[dict[str, object]] | None = None,
) -> None:
    """Print every step's figures and write them to ``json_path``."""
    print(
        f"\nwarehouse: {settings.warehouse}  duckdb threads: {settings.duckdb_threads}"
        f"  dbt threads: {settings.dbt_threads}"
    )
    print(f"baseline: raw scan of {results[0][3]:,} rows in {results[0][5]:.2f} s (same run)")
    if restored:
        print("(from a saved state: the full build was not run)")
    print(f"{'step':26s} {'wall s':>8s} {'peak MB':>8s} {'rows read':>12s} {'rows written':>13s} "
          f"{'raw rows/s':>11s} {'x baseline':>10s} {'CPU s':>8s}")  # fmt: skip
    for name, seconds, peak_mb, read, wrote, base, cpu in results:
        print(
            f"{name:26s} {seconds:8.1f} {peak_mb:8.0f} {read:12,} "
            f"{(f'{wrote:,}' if wrote is not None else '-'):>13s} {read / seconds:11,.0f} "
            f"{seconds / base:10.1f} {cpu:8.1f}"
        )
    if daily_runs:
        print(
            f"daily build: the median of {len(daily_runs)} runs from one pre-daily state: "
            + ", ".join(f"{r['seconds']:.1f} s" for r in daily_runs)
        )
    print(f"\nslowest nodes per step (all timings: {work}/run_results-*.json)")
    for step, nodes in slowest.items():
        print(f"  {step}: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in nodes))
    baseline = "DuckDB reading every column of every raw table (md5 of each row)"
    write_steps(
        json_path,
        [
            Step(name, read, seconds, peak_mb, base, baseline)
            for name, seconds, peak_mb, read, _, base, _cpu in results
        ],
        # user + system CPU seconds of each dbt step (results_io.Measured)
        cpu_seconds={name: round(cpu, 1) for name, *_, cpu in results},
        slowest={step: nodes for step, nodes in slowest.items()},
        ingest_seconds=ingest_seconds,
        rows_written=written_now,
        # each daily build of --daily-repeats (the step above is their median)
        daily_runs=daily_runs,
    )


if __name__ == "__main__":
    main()
