"""Run a command; print its wall time and the peak RSS of its whole process tree.

``/usr/bin/time`` sees only waited-for children, and pyspark's JVM is not one
of them: this polls /proc (Linux, stdlib only) every 0.2 s instead.
    python envs/spark/measure.py LABEL -- COMMAND...
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def tree_rss_bytes(root: int) -> int:
    tree, todo, total = _children(), [root], 0
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        todo.extend(tree.get(pid, []))
    return total


def main(argv: list[str]) -> int:
    label, command = argv[0], argv[argv.index("--") + 1 :]
    start = time.monotonic()
    proc = subprocess.Popen(command)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_bytes(proc.pid))
        time.sleep(0.2)
    seconds = time.monotonic() - start
    print(
        f"[measure] {label}: {seconds:.1f} s wall, peak RSS {peak / 2**20:,.0f} MiB "
        f"(exit {proc.returncode})",
        flush=True,
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
