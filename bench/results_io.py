"""One machine-readable record per benchmark step, for bench/report.py.

Each benchmark prints its own table; with ``--json PATH`` it also writes its
steps here: name, rows, wall seconds, peak RSS (MB), the in-run baseline's
seconds and what the baseline is. ``ratio`` is wall / baseline (how many times
the baseline's time the step took), so figures from different machines compare.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import psutil


@dataclass(frozen=True)
class Step:
    name: str
    rows: int
    seconds: float
    peak_rss_mb: float
    baseline_seconds: float
    baseline: str

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("nan")


def write_steps(path: Path | None, steps: list[Step], **extra: object) -> None:
    """Write ``steps`` (and any ``extra`` figures) as JSON to ``path`` (no-op when None)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"steps": [asdict(s) | {"ratio": s.ratio} for s in steps], **extra}
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str
    # user + system CPU seconds of the command and the children it waited for:
    # less disturbed by other work on a shared machine than wall time, so an A/B
    # of two builds can read small differences from it
    cpu_seconds: float = 0.0


def run_measured(cmd: list[str], *, env: dict[str, str], cwd: Path) -> Measured:
    """Run ``cmd`` to the end: its wall seconds, exit code, output (stdout and stderr),
    peak resident memory in MB, the larger of the process's own high-water mark
    (VmHWM) and the sum over it and its children sampled every 0.2 s, and its CPU
    seconds (this process's waited-for children before and after; one command runs
    at a time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    peak = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            tree = 0
            with contextlib.suppress(psutil.Error):
                for p in [watched, *watched.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        tree += p.memory_info().rss
            peak = max(peak, tree, _high_water_mark(proc.pid))
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(elapsed, peak / 2**20, proc.returncode, text, cpu)


def _high_water_mark(pid: int) -> int:
    """Peak resident memory (VmHWM) of a running process, in bytes (0 when gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def read_steps(path: Path) -> tuple[list[Step], dict]:
    record = json.loads(path.read_text(encoding="utf-8"))
    steps = [Step(**{k: v for k, v in s.items() if k != "ratio"}) for s in record.pop("steps", [])]
    return steps, record


def raw_scan(warehouse: Path) -> tuple[int, float]:
    """Rows of every raw table and the time of one pass that reads all their columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        start = time.perf_counter()
        total = 0
        for table in tables:
            # md5 of every row's text forces a read of every column, as staging does
            rows, _ = con.execute(
                f"select count(*), count(distinct md5(cast(t as varchar))) from raw.{table} as t"
            ).fetchone()
            total += rows
        return total, time.perf_counter() - start
