"""The quality gate on real deliveries: clean passes, warn-only goes through, defects block."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from expectations.api import is_blocked
from tests.expectations.conftest import DAY1, DAY2, DAY3, Validated

REPO = Path(__file__).resolve().parents[2]


def _not_met(summary: object) -> set[tuple[str, str]]:
    return {
        (r.suite, r.expectation.split(":")[0] + ":" + r.severity)
        for r in summary.results  # type: ignore[attr-defined]
        if not r.success
    }


def test_clean_delivery_passes_every_expectation(validated: Validated) -> None:
    summary = validated.summaries[DAY1]
    assert {r.suite for r in summary.results} == {"raw.ld", "raw.fw", "raw.zlba"}
    assert _not_met(summary) == set(), summary.summary()
    assert summary.status == "pass"
    assert not summary.blocked
    assert all(r.exception is None for r in summary.results)


def test_warn_only_delivery_goes_through_and_is_recorded(validated: Validated) -> None:
    summary = validated.summaries[DAY2]
    assert _not_met(summary) == {("raw.ld", "code_in_reference:warn")}, summary.summary()
    assert summary.status == "warn"
    assert not summary.blocked
    assert not is_blocked(validated.settings, "housing", DAY2)
    failed = next(r for r in summary.results if not r.success)
    assert failed.column_name == "_known_community_community_code"
    assert failed.unexpected_count == validated.recoded
    # the sample names delivered rows (file#row), not values
    assert failed.unexpected_sample and "ld_20261002.csv#" in failed.unexpected_sample


def test_defective_delivery_fails_exactly_the_planted_checks_and_is_blocked(
    validated: Validated,
) -> None:
    summary = validated.summaries[DAY3]
    assert _not_met(summary) == {
        ("raw.ld", "volume_vs_previous:warn"),
        ("raw.ld", "volume_vs_previous:fail"),
        ("raw.ld", "quarantine_share:warn"),
        ("raw.ld", "quarantine_share:fail"),
    }, summary.summary()
    assert summary.blocked
    assert summary.counts["fail"]["failed"] == 2
    assert "BLOCKED" in summary.summary()
    assert is_blocked(validated.settings, "housing", DAY3)
    volume = next(
        r
        for r in summary.results
        if r.expectation.startswith("volume_vs_previous") and r.severity == "fail"
    )
    assert volume.observed_value == str(validated.kept - validated.broken)


def test_an_unvalidated_delivery_counts_as_blocked(validated: Validated) -> None:
    assert is_blocked(validated.settings, "population", DAY1)


def test_history_is_persisted_in_the_dq_schema(validated: Validated) -> None:
    with duckdb.connect(str(validated.settings.warehouse), read_only=True) as con:
        verdicts = con.execute(
            "select delivery_date, status, blocked from dq.deliveries where feed = 'housing' "
            "order by delivery_date"
        ).fetchall()
        results = con.execute(
            "select count(*), count(distinct run_id), count(*) filter (where not success) "
            "from dq.results where feed = 'housing'"
        ).fetchone()
    assert verdicts == [(DAY1, "pass", False), (DAY2, "warn", False), (DAY3, "fail", True)]
    expected = sum(len(s.results) for s in validated.summaries.values())  # type: ignore[attr-defined]
    assert results == (expected, 3, 5)


def test_data_docs_are_built(validated: Validated) -> None:
    index = Path(validated.settings.var_dir) / "data_docs" / "index.html"
    assert index.exists()
    assert "raw.ld" in index.read_text(encoding="utf-8")


def test_quality_mart_shows_pass_warn_and_blocked(validated: Validated) -> None:
    env = {
        **os.environ,
        "ZHIWANG_VAR_DIR": str(validated.settings.var_dir),
        "DO_NOT_TRACK": "1",
    }
    target = Path(validated.settings.var_dir) / "dbt_target"
    cmd = [
        sys.executable, "-m", "dbt.cli.main", "build",
        "--project-dir", str(REPO / "dbt_project"),
        "--profiles-dir", str(REPO / "dbt_project"),
        "--target-path", str(target),
        "--log-path", str(target / "logs"),
        "--select", "path:models/staging/dq", "path:models/marts/quality",
    ]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(validated.settings.warehouse), read_only=True) as con:
        pass_rate = con.execute(
            "select delivery_date, failed_fail_count, failed_warn_count, pass_rate < 1 "
            "from marts.rpt_quality_pass_rate where feed = 'housing' order by delivery_date"
        ).fetchall()
        latest = con.execute(
            "select latest_delivery_date, gate_status, is_blocked "
            "from marts.rpt_quality_latest_delivery where feed = 'housing'"
        ).fetchall()
        blocked = con.execute(
            "select delivery_date, failed_expectations from marts.rpt_quality_blocked_deliveries"
        ).fetchall()
        quarantine = con.execute(
            "select delivery_date, rows_quarantined from marts.rpt_quality_quarantine "
            "where feed = 'housing' order by delivery_date"
        ).fetchall()
    assert pass_rate == [(DAY1, 0, 0, False), (DAY2, 0, 1, True), (DAY3, 2, 2, True)]
    assert latest == [(DAY3, "fail", True)]
    assert [b[0] for b in blocked] == [DAY3]
    assert "quarantine_share" in blocked[0][1] and "volume_vs_previous" in blocked[0][1]
    assert quarantine[-1] == (DAY3, validated.broken)


@pytest.mark.parametrize("target", ["no_such_feed"])
def test_unknown_target_is_refused(validated: Validated, target: str) -> None:
    from expectations.api import validate
    from zhiwang.errors import ZhiwangError

    with pytest.raises(ZhiwangError, match="unknown validation target"):
        validate(validated.settings, target, gx_root=validated.gx_root)
