"""What a dbt invocation did, read from dbt's structured results (``run_results.json``).

dbt writes one entry per node (model, seed, snapshot, data or unit test,
exposure) with its status, message, failing-row count and time. The transform
decides from these what failed (``orchestration/service.py``) and the benchmarks
read the node times from them (``bench/transform.py``): never the console text,
whose wording changes between dbt versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# node statuses (dbt.artifacts.schemas.results: RunStatus / TestStatus)
PASSED = ("success", "pass")
FAILED_TEST = "fail"  # a data test that returned rows
ERROR = ("error", "runtime error")
TEST_TYPES = ("test", "unit_test")


@dataclass(frozen=True)
class NodeResult:
    """One node of a dbt run."""

    unique_id: str
    status: str
    message: str
    failures: int | None
    seconds: float

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The node's name without resource type and package (``model.zhiwang.x`` → ``x``)."""
        return self.unique_id.split(".", 2)[-1]


@dataclass(frozen=True)
class DbtResults:
    """Every node's result of one dbt invocation."""

    nodes: list[NodeResult]
    elapsed: float

    @property
    def failed_tests(self) -> list[NodeResult]:
        """Data or unit tests that ran and found failing rows (deterministic)."""
        return [n for n in self.nodes if n.status == FAILED_TEST]

    @property
    def errors(self) -> list[NodeResult]:
        """Nodes that could not run (database or compilation error: maybe transient)."""
        return [n for n in self.nodes if n.status in ERROR]

    def summary(self) -> str:
        """The counts in dbt's own closing line: ``PASS=… WARN=… ERROR=… SKIP=… NO-OP=… TOTAL=…``
        (dbt counts a failed test under ERROR)."""
        count = {"PASS": 0, "WARN": 0, "ERROR": 0, "SKIP": 0, "NO-OP": 0}
        for node in self.nodes:
            if node.status in PASSED:
                count["PASS"] += 1
            elif node.status == "warn":
                count["WARN"] += 1
            elif node.status == "skipped":
                count["SKIP"] += 1
            elif node.status == "no-op":
                count["NO-OP"] += 1
            else:
                count["ERROR"] += 1
        return " ".join(f"{k}={v}" for k, v in count.items()) + f" TOTAL={len(self.nodes)}"

    def slowest(self, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` slowest nodes as (name, seconds)."""
        return sorted(((n.name, n.seconds) for n in self.nodes), key=lambda item: -item[1])[:top]


def read_run_results(path: Path) -> DbtResults | None:
    """The results dbt wrote to ``<target-path>/run_results.json``; None when it wrote none
    (a crash before any node ran, or a command that writes no results)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = [
        NodeResult(
            unique_id=r["unique_id"],
            status=str(r["status"]).lower(),
            message=r.get("message") or "",
            failures=r.get("failures"),
            seconds=float(r.get("execution_time") or 0.0),
        )
        for r in data.get("results", [])
    ]
    return DbtResults(nodes=nodes, elapsed=float(data.get("elapsed_time") or 0.0))
