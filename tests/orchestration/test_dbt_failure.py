"""A failed `dbt build` blocks without retries when only data tests failed.

Decided from dbt's structured results: the cases below are written as dbt 1.11
writes ``target/run_results.json`` and read back through the shared reader.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.dbt_results import DbtResults, read_run_results
from orchestration.service import DeliveryBlockedError, dbt_failure

LOG = Path("var/dbt/logs/dbt.log")
FAILED_TEST = (
    "test.zhiwang.relationships_fct_assistance_payments_community_code__community_"
    "code__ref_dim_community_"
)


def _node(unique_id: str, status: str, message: str = "", failures: int | None = None) -> dict:
    return {"unique_id": unique_id, "status": status, "message": message,
            "failures": failures, "execution_time": 0.1}  # fmt: skip


# From a district-scale run: PASS=273 WARN=1 ERROR=1 SKIP=0 NO-OP=6 TOTAL=281.
TEST_FAILURE = [
    *(_node(f"model.zhiwang.m{i}", "success") for i in range(13)),
    *(_node(f"seed.zhiwang.s{i}", "success") for i in range(6)),
    *(_node(f"test.zhiwang.t{i}", "pass", failures=0) for i in range(254)),
    _node("test.zhiwang.warned", "warn", "Got 3 results, configured to warn if != 0", 3),
    _node(FAILED_TEST, "fail", "Got 15 results, configured to fail if != 0", 15),
    *(_node(f"exposure.zhiwang.e{i}", "no-op") for i in range(6)),
]
# A model that could not take the warehouse lock: PASS=120 ERROR=1 SKIP=40 TOTAL=161.
MODEL_ERROR = [
    *(_node(f"model.zhiwang.ok{i}", "success") for i in range(120)),
    _node(
        "model.zhiwang.fct_event",
        "error",
        'IO Error: Could not set lock on file "zhiwang.duckdb": Conflicting lock is held',
    ),
    *(_node(f"test.zhiwang.skipped{i}", "skipped") for i in range(40)),
]


def _results(tmp_path: Path, nodes: list[dict]) -> DbtResults:
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"metadata": {}, "results": nodes, "elapsed_time": 1.0}))
    results = read_run_results(path)
    assert results is not None
    return results


def test_failed_data_tests_block_the_publish_without_retry(tmp_path: Path) -> None:
    err = dbt_failure(1, _results(tmp_path, TEST_FAILURE), "", LOG)
    assert isinstance(err, DeliveryBlockedError)
    assert "relationships_fct_assistance_payments" in str(err) and "PASS=273" in str(err)


def test_a_model_error_or_a_crash_stays_retryable(tmp_path: Path) -> None:
    for code, nodes in ((1, MODEL_ERROR), (1, [*MODEL_ERROR, *TEST_FAILURE]), (2, TEST_FAILURE)):
        err = dbt_failure(code, _results(tmp_path, nodes), "", LOG)
        assert type(err) is RuntimeError, (code, nodes[0])
        assert str(LOG) in str(err)


def test_a_crash_without_results_stays_retryable(tmp_path: Path) -> None:
    assert read_run_results(tmp_path / "missing.json") is None
    err = dbt_failure(2, None, "Encountered an error: profile not found", LOG)
    assert type(err) is RuntimeError and "no run_results.json" in str(err)


def test_the_summary_counts_like_dbt(tmp_path: Path) -> None:
    results = _results(tmp_path, TEST_FAILURE)
    assert results.summary() == "PASS=273 WARN=1 ERROR=1 SKIP=0 NO-OP=6 TOTAL=281"
    assert [n.name for n in results.failed_tests] == [FAILED_TEST.split(".", 2)[-1]]
