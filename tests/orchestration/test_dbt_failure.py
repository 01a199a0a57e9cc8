"""A failed `dbt build` blocks without retries when only data tests failed."""

from __future__ import annotations

from pathlib import Path

from orchestration.tasks import DeliveryBlockedError, dbt_failure

LOG = Path("var/dbt/logs/dbt.log")
# From a district-scale run (dbt 1.11 console output).
TEST_FAILURE = [
    "16:33:58  Finished running 262 data tests, 6 seeds, 13 table models in 0 hours 7 minutes.",
    "16:33:58  Completed with 1 error, 0 partial successes, and 1 warning:",
    "16:33:58  Failure in test relationships_fct_assistance_payments_community_code__community_"
    "code__ref_dim_community_ (models/marts/social_security/_social_security__models.yml)",
    "16:33:58    Got 15 results, configured to fail if != 0",
    "16:33:58  Done. PASS=273 WARN=1 ERROR=1 SKIP=0 NO-OP=6 TOTAL=281",
]
MODEL_ERROR = [
    "10:02:11  Completed with 1 error, 0 partial successes, and 0 warnings:",
    "10:02:11  Runtime Error in model fct_event (models/marts/events/fct_event.sql)",
    '10:02:11    IO Error: Could not set lock on file "zhiwang.duckdb": Conflicting lock is held',
    "10:02:11  Done. PASS=120 WARN=0 ERROR=1 SKIP=40 NO-OP=0 TOTAL=161",
]


def test_failed_data_tests_block_the_publish_without_retry() -> None:
    err = dbt_failure(1, TEST_FAILURE, "", LOG)
    assert isinstance(err, DeliveryBlockedError)
    assert "relationships_fct_assistance_payments" in str(err) and "PASS=273" in str(err)


def test_a_model_error_or_a_crash_stays_retryable() -> None:
    for code, lines in ((1, MODEL_ERROR), (1, [*MODEL_ERROR, *TEST_FAILURE]), (2, TEST_FAILURE)):
        err = dbt_failure(code, lines, "", LOG)
        assert type(err) is RuntimeError, (code, lines[1])
        assert str(LOG) in str(err)
