"""Benchmark the quality gate against the pipeline it guards, in one run.

Over one landing folder (generated here, or given), measured in the same process
and warehouse:

(a) ingest of every complete delivery (the pipeline's load step);
(b) transform: ``dbt build`` of the whole project (seeds, models, tests);
(c) the GX gate as a pipeline runs it: ``validate raw`` for every delivery date
    and ``validate marts`` with ``docs=False``, then the Data Docs site built once
    (``build_docs``); reported apart as GX's import and per step.

Printed: wall and CPU seconds of each, and (c) as a share of (a)+(b) — the target
is at most 15%. CPU seconds matter on a shared machine where wall time depends on
the neighbours.

    uv run python bench/quality.py --scale district --days 7
    uv run python bench/quality.py --landing /path/to/landing   # reuse deliveries
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

# Run as `python bench/quality.py`, this folder would shadow packages of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

REPO = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def _timed(out: dict[str, dict[str, float]], name: str):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), _cpu()
    yield
    out[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": _cpu() - cpu}
    print(
        f"  {name:<22} wall {out[name]['wall_s']:8.1f}s  cpu {out[name]['cpu_s']:8.1f}s", flush=True
    )


def _not_met(summary: object) -> list[str]:
    return [
        f"{r.severity} {r.suite} {r.expectation.split(':')[0]} ({r.observed_value})"
        for r in summary.results  # type: ignore[attr-defined]
        if not r.success
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--landing", type=Path, help="Use these deliveries instead of generating.")
    parser.add_argument("--work", type=Path, help="Scratch var dir (default: a temp dir).")
    parser.add_argument(
        "--skip-transform", action="store_true", help="No dbt build (and no marts gate)."
    )
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="zhiwang-bench-quality-"))
    os.environ["ZHIWANG_VAR_DIR"] = str(work)
    from zhiwang.settings import Settings

    settings = Settings(var_dir=work, **({"landing_dir": args.landing} if args.landing else {}))
    times: dict[str, dict[str, float]] = {}
    print(f"bench/quality.py: var {work}", flush=True)

    if not args.landing:
        from generator.api import generate

        with _timed(times, "generate (not counted)"):
            generate(settings.landing, settings.ground_truth, scale=args.scale, seed=42,
                     start=date(2026, 10, 1), days=args.days, dirt=1.0)  # fmt: skip

    from ingest.api import ingest
    from ingest.contract import load_feeds

    failed: list[str] = []
    received = 0
    with _timed(times, "ingest"):
        # feed by feed, so one feed the ingest cannot load does not void the benchmark
        for feed in load_feeds():
            try:
                received += ingest(settings, feeds=[feed]).received
            except BaseException as err:  # a polars panic is a BaseException
                if isinstance(err, KeyboardInterrupt):
                    raise
                failed.append(feed)
                print(f"    ingest of {feed} failed: {type(err).__name__}: {err}", flush=True)
    print(f"    rows received {received:,}; feeds not loaded: {failed or 'none'}", flush=True)

    if not args.skip_transform:
        cmd = [
            sys.executable, "-m", "dbt.cli.main", "build",
            "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
            "--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs"),
        ]  # fmt: skip
        with _timed(times, "transform (dbt build)"):
            done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print("    dbt build failed (timed anyway):\n" + done.stdout[-1500:], flush=True)

    with _timed(times, "gx import"):
        import great_expectations  # noqa: F401

        from expectations.api import build_docs, validate
    gx_root = work / "gx_project"
    import duckdb

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        days = [r[0] for r in con.execute(
            "select distinct delivery_date from audit.batches order by 1").fetchall()]  # fmt: skip
    verdicts = []
    with _timed(times, "gx validate raw"):
        for day in days:
            summary = validate(settings, "raw", day, gx_root=gx_root, docs=False)
            verdicts.append(
                (str(day), summary.status, len(summary.results), round(summary.seconds, 1))
            )
            print(f"    {day} not met: {_not_met(summary)}", flush=True)
    if not args.skip_transform:
        with _timed(times, "gx validate marts"):
            marts = validate(settings, "marts", gx_root=gx_root, docs=False)
        verdicts.append(("marts", marts.status, len(marts.results), round(marts.seconds, 1)))
        print(f"    marts not met: {_not_met(marts)}", flush=True)
    with _timed(times, "gx data docs"):
        index = build_docs(settings, gx_root=gx_root)
    print(f"    Data Docs: {index}", flush=True)

    pipeline = {k: sum(times[n][k] for n in ("ingest", "transform (dbt build)") if n in times)
                for k in ("wall_s", "cpu_s")}  # fmt: skip
    gate = {
        k: sum(v[k] for n, v in times.items() if n.startswith("gx")) for k in ("wall_s", "cpu_s")
    }
    print("  verdicts (date, status, expectations, seconds):", verdicts)
    for k in ("wall_s", "cpu_s"):
        share = gate[k] / pipeline[k] if pipeline[k] else float("nan")
        print(f"  GX {k[:-2]:<4} {gate[k]:8.1f}s vs pipeline {pipeline[k]:8.1f}s = {share:6.1%} "
              f"(target <= 15%)")  # fmt: skip
    print(json.dumps({"times": times, "verdicts": verdicts}, default=str))


if __name__ == "__main__":
    main()
