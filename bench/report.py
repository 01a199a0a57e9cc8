"""One scale report: the benchmarks in one go, a Markdown table and a chart.

    uv run --frozen python bench/report.py --scale district
    uv run --frozen python bench/report.py --scale city --work /big/disk/bench-city

Runs, each in its own process (so each step's peak RSS is its own), over one
generated delivery set (7 days by default):

1. ``bench/generate.py``: the generator against polars writing the same rows
   as plain CSV;
2. ``bench/ingest.py``: the ingest of every delivery against DuckDB reading
   the same files with their declared types and writing Parquet;
3. ``bench/transform.py --ingest --daily-build --daily-repeats N``: the full
   ``dbt build`` over every delivery but the last, then the last delivery
   ingested and the ``dbt build`` Airflow runs on it, against a DuckDB scan of
   every raw column; the daily build N times from the same pre-daily warehouse,
   the median reported (``DAILY_REPEATS``: 3, 1 at city scale);
4. ``bench/serve.py`` on that warehouse: the GX gates (raw, marts), the quality
   marts, publish and every dashboard chart's p95 through Superset's API.

At city scale DuckDB's memory limit is raised to ``CITY_MEMORY_LIMIT`` (10 GB,
still under the 12 GB peak-RSS target) unless ZHIWANG_DUCKDB_MEMORY_LIMIT is set, and
dbt builds one node at a time (``CITY_DBT_THREADS``) unless ZHIWANG_DBT_THREADS is set.

Each step's figures land in ``<work>/<step>.json`` (bench/results_io.py); the
report is written to ``bench/results/<scale>.md`` with the machine's
description, and ``bench/results/scaling.png`` charts wall time and peak RSS
against rows for every scale that has a report (tiny, district, city). Steps
whose JSON is already in the work folder are not run again (``--fresh`` runs
them all): a long city run can be resumed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))
from results_io import Step, read_steps

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
SCALES = ("tiny", "district", "city")
# DuckDB's memory limit at city scale (ZHIWANG_DUCKDB_MEMORY_LIMIT; 8 GB otherwise)
CITY_MEMORY_LIMIT = "10GB"
CITY_DBT_THREADS = "1"
# daily builds measured per report, each from the same pre-daily warehouse; the
# step's figure is their median. One run on this shared machine varied by 10-15 s
# at district scale from hour to hour (docs/PERFORMANCE.md). A city repeat costs
# about 10 minutes (restoring 17 GB, a raw scan, the build): one by default there.
DAILY_REPEATS = {"tiny": 3, "district": 3, "city": 1}
# the report's targets (issue 15), per step name
TARGETS = {
    "ingest": "ingest rows/s >= 50% of the typed DuckDB rate (ratio <= 2.0)",
    "dbt build (daily, new data)": "<= 60 s district, <= 180 s city",
}


def _machine() -> str:
    cpus = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{platform.system()} {platform.release()}, {cpus} cores ({model}), {mem:.0f} GB RAM"


def _run(name: str, cmd: list[str], out: Path, env: dict[str, str], log: Path) -> None:
    """Run one benchmark step, its output teed to ``log``, unless ``out`` exists."""
    if out.exists():
        print(f"[{name}] kept from an earlier run: {out}", flush=True)
        return
    print(f"[{name}] {' '.join(cmd)}", flush=True)
    began = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            print(f"  {line.rstrip()}", flush=True)
        code = proc.wait()
    if code != 0 or not out.exists():
        sys.exit(
            f"[{name}] failed (exit {code}) after {time.perf_counter() - began:.0f} s; "
            f"its output is in {log}. Fix the cause and run the report again: finished "
            "steps are kept."
        )


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _disk_use(work: Path) -> dict[str, int]:
    """Bytes on disk of the work folder's landing files and of its var dir (warehouse
    and raw Parquet); a part that is not there is left out."""
    disk = {
        "landing": _disk(work / "generated" / "landing"),
        "warehouse and raw": _disk(work / "var"),
    }
    return {k: v for k, v in disk.items() if v}


def run(scale: str, days: int, work: Path, fresh: bool, daily_repeats: int) -> Path:
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    gen = work / "generated"
    var = work / "var"
    env = os.environ | {
        "ZHIWANG_VAR_DIR": str(var),
        "ZHIWANG_LANDING_DIR": str(gen / "landing"),
        "PYTHONUNBUFFERED": "1",
    }
    if scale == "city" and "ZHIWANG_DUCKDB_MEMORY_LIMIT" not in os.environ:
        # fct_residence_spells' window passes over ~31 M residence statements ran
        # out of the default 8 GB; 10 GB keeps DuckDB's RSS under the 12 GB target
        env["ZHIWANG_DUCKDB_MEMORY_LIMIT"] = CITY_MEMORY_LIMIT
    if scale == "city" and "ZHIWANG_DBT_THREADS" not in os.environ:
        # one node at a time: two share the memory limit that binds at city scale
        # (zhiwang/settings.py dbt_threads)
        env["ZHIWANG_DBT_THREADS"] = CITY_DBT_THREADS
    py = sys.executable
    _run(
        "generate",
        [
            py,
            "bench/generate.py",
            "--scale",
            scale,
            "--days",
            str(days),
            "--out",
            str(gen),
            "--json",
            str(work / "generate.json"),
        ],
        work / "generate.json",
        env,
        work / "generate.log",
    )
    _run(
        "ingest",
        [
            py,
            "bench/ingest.py",
            "--landing",
            str(gen / "landing"),
            "--work",
            str(work / "ingest"),
            "--json",
            str(work / "ingest.json"),
        ],
        work / "ingest.json",
        env,
        work / "ingest.log",
    )
    shutil.rmtree(work / "ingest", ignore_errors=True)  # its warehouse: transform makes its own
    _run(
        "transform",
        [
            py,
            "bench/transform.py",
            "--ingest",
            "--daily-build",
            "--daily-repeats",
            str(daily_repeats),
            "--json",
            str(work / "transform.json"),
        ],
        work / "transform.json",
        env,
        work / "transform.log",
    )
    _run(
        "serve",
        [py, "bench/serve.py", "--json", str(work / "serve.json")],
        work / "serve.json",
        env,
        work / "serve.log",
    )
    return write_report(scale, days, work, disk=_disk_use(work))


def write_report(scale: str, days: int, work: Path, disk: dict[str, int]) -> Path:
    steps: list[Step] = []
    extra: dict[str, dict] = {}
    for part in ("generate", "ingest", "transform", "serve"):
        if not (work / f"{part}.json").exists():  # a report from before the serve step
            continue
        got, more = read_steps(work / f"{part}.json")
        steps += got
        extra[part] = more
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Scale report: {scale} ({days} days)",
        "",
        f"- Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/report.py --scale {scale}`.",
        f"- Machine: {_machine()}. Shared machines are noisy: compare the ratios, which are "
        "measured against a baseline in the same run.",
        f"- Landing files: {extra['generate'].get('files', 0):,} files, "
        + ", ".join(f"{k} {v / 1e9:.2f} GB" for k, v in disk.items())
        + " on disk.",
        "",
        "| step | rows | wall s | peak RSS MB | baseline s | x baseline | baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in steps:
        lines.append(
            f"| {s.name} | {s.rows:,} | {s.seconds:,.1f} | "
            f"{f'{s.peak_rss_mb:,.0f}' if s.peak_rss_mb else 'not recorded'} | "
            f"{s.baseline_seconds:,.{1 if s.baseline_seconds >= 1 else 3}f} | {s.ratio:.2f} | "
            f"{s.baseline} |"
        )
    total = sum(s.seconds for s in steps)
    lines += [
        "",
        f"Total wall time of the steps: {total:,.0f} s; largest peak RSS: "
        f"{max(s.peak_rss_mb for s in steps):,.0f} MB.",
        "",
        "Targets: " + "; ".join(f"{k}: {v}" for k, v in TARGETS.items()) + ".",
        "",
        "Slowest dbt nodes per step:",
        "",
    ]
    for step, nodes in (extra["transform"].get("slowest") or {}).items():
        lines.append(f"- {step}: " + ", ".join(f"{n} {sec:.1f} s" for n, sec in nodes))
    daily_runs = extra["transform"].get("daily_runs") or []
    if daily_runs:
        lines += [
            "",
            f"The daily build is the median of {len(daily_runs)} runs, each from the same "
            "pre-daily warehouse (the daily delivery ingested again, its own raw scan): "
            + "; ".join(
                f"{r['seconds']:.1f} s ({r['cpu_seconds']:.1f} CPU-s, "
                f"{r['seconds'] / r['baseline_seconds']:.2f}x its raw scan)"
                for r in daily_runs
            )
            + ".",
        ]
    notes = work / "notes.md"  # how this run was made, when it was not one plain run
    if notes.exists():
        lines += ["", "## Notes on this run", "", notes.read_text(encoding="utf-8").strip()]
    report = RESULTS / f"{scale}.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / f"{scale}.json").write_text(
        json.dumps(
            {
                "scale": scale,
                "days": days,
                "machine": _machine(),
                "steps": [s.__dict__ | {"ratio": s.ratio} for s in steps],
                "disk": disk,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    chart()
    print(f"report: {report}")
    return report


def chart() -> Path | None:
    """Wall time and peak RSS against rows, one line per step, for every scale with a
    report in bench/results."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = []
    for scale in SCALES:
        path = RESULTS / f"{scale}.json"
        if path.exists():
            runs.append(json.loads(path.read_text(encoding="utf-8")))
    if not runs:
        return None
    names = sorted({s["name"] for r in runs for s in r["steps"]})
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in names:
        points = sorted(
            (s["rows"], s["seconds"], s["peak_rss_mb"], r["scale"])
            for r in runs
            for s in r["steps"]
            if s["name"] == name and s["rows"]
        )
        if not points:
            continue
        rows = [p[0] for p in points]
        ax_t.plot(rows, [p[1] for p in points], marker="o", label=name)
        measured = [p for p in points if p[2]]  # a step whose peak was not recorded
        ax_m.plot([p[0] for p in measured], [p[2] / 1024 for p in measured], marker="o", label=name)
    for ax, label in ((ax_t, "wall time (s)"), (ax_m, "peak RSS (GB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows (landing rows for generate/ingest, raw rows for dbt)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax_m.axhline(12, color="red", linestyle="--", linewidth=1)
    ax_m.annotate("12 GB target", (ax_m.get_xlim()[0], 12), color="red", fontsize=8)
    ax_t.legend(fontsize=7)
    fig.suptitle(
        "zhiwang: time and memory against data size (" + ", ".join(r["scale"] for r in runs) + ")"
    )
    fig.tight_layout()
    out = RESULTS / "scaling.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=SCALES, required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument(
        "--work", type=Path, default=None, help="scratch folder (default: var/bench-report/<scale>)"
    )
    ap.add_argument("--fresh", action="store_true", help="run every step again")
    ap.add_argument(
        "--daily-repeats",
        type=int,
        default=None,
        help="daily builds to measure (median reported; default "
        + ", ".join(f"{k} {v}" for k, v in DAILY_REPEATS.items())
        + ")",
    )
    ap.add_argument(
        "--report-only", action="store_true", help="write the report from the work folder's JSON"
    )
    args = ap.parse_args()
    work = args.work or REPO / "var" / "bench-report" / args.scale
    if args.report_only:
        write_report(args.scale, args.days, work, disk=_disk_use(work))
        return
    run(args.scale, args.days, work, args.fresh, args.daily_repeats or DAILY_REPEATS[args.scale])


if __name__ == "__main__":
    main()
