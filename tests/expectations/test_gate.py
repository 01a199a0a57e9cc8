"""The quality gate on real deliveries: clean passes, warn-only goes through, defects block."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.api import is_blocked
from tests.expectations.conftest import (
    DAY1,
    DAY2,
    DAY3,
    QUALITY_MARTS,
    Validated,
    dbt_build_quality,
)


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
        runs = [s.run_id for s in validated.summaries.values()]  # type: ignore[attr-defined]
        verdicts = con.execute(
            "select delivery_date, status, blocked from dq.deliveries where feed = 'housing' "
            "and list_contains(?, run_id) order by delivery_date",
            [runs],
        ).fetchall()
        results = con.execute(
            "select count(*), count(distinct run_id), count(*) filter (where not success) "
            "from dq.results where feed = 'housing' and list_contains(?, run_id)",
            [runs],
        ).fetchone()
    assert verdicts == [(DAY1, "pass", False), (DAY2, "warn", False), (DAY3, "fail", True)]
    expected = sum(len(s.results) for s in validated.summaries.values())  # type: ignore[attr-defined]
    assert results == (expected, 3, 5)


def test_data_docs_are_built(validated: Validated) -> None:
    index = Path(validated.settings.var_dir) / "data_docs" / "index.html"
    assert index.exists()
    assert "raw.ld" in index.read_text(encoding="utf-8")


def test_dbt_builds_before_any_validation(validated: Validated) -> None:
    # a fresh warehouse has no dq schema: sources must not break `dbt build`
    assert validated.fresh_build.returncode == 0, validated.fresh_build.stdout[-3000:]
    assert validated.fresh_rows == dict.fromkeys(QUALITY_MARTS, 0)


def test_bootstrap_is_idempotent_and_keeps_history(validated: Validated) -> None:
    from expectations.store import bootstrap

    def counts() -> tuple:
        with duckdb.connect(str(validated.settings.warehouse), read_only=True) as con:
            return con.execute(
                "select (select count(*) from dq.runs), (select count(*) from dq.results), "
                "(select count(*) from dq.deliveries)"
            ).fetchone()

    before = counts()
    bootstrap(validated.settings.warehouse)
    bootstrap(validated.settings.warehouse)
    assert counts() == before and before[0] >= 3
    empty = Path(validated.settings.var_dir) / "elsewhere" / "new.duckdb"
    bootstrap(empty)
    with duckdb.connect(str(empty), read_only=True) as con:
        assert con.execute("select count(*) from dq.runs").fetchone() == (0,)


def test_quality_mart_shows_pass_warn_and_blocked(validated: Validated) -> None:
    done = dbt_build_quality(validated.settings)
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


def test_cli_blocks_with_exit_1_and_a_readable_summary(
    validated: Validated, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli import app as cli

    monkeypatch.setattr(cli, "_settings", lambda: validated.settings)
    runner = CliRunner()
    blocked = runner.invoke(cli.app, ["validate", "housing", "--delivery", str(DAY3), "--no-docs"])
    assert blocked.exit_code == 1, blocked.output
    assert "validate housing: FAIL — BLOCKED" in blocked.output
    assert "housing 2026-10-03: fail (blocked), 2 fail / 2 warn not met" in blocked.output
    assert "[fail] raw.ld quarantine_share" in blocked.output
    assert "Calculating Metrics" not in blocked.output  # no GX progress bars
    warned = runner.invoke(cli.app, ["validate", "housing", "--delivery", str(DAY2), "--no-docs"])
    assert warned.exit_code == 0 and "validate housing: WARN" in warned.output
    unknown = runner.invoke(cli.app, ["validate", "no_such_feed"])
    assert unknown.exit_code == 2 and "unknown validation target" in unknown.output
    bad_date = runner.invoke(cli.app, ["validate", "housing", "--delivery", "2026-13-01"])
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output
    docs = runner.invoke(cli.app, ["data-docs"])
    index = Path(validated.settings.var_dir) / "data_docs" / "index.html"
    assert docs.exit_code == 0 and str(index) in docs.output
    # the site lists the runs made with --no-docs too (rendered from the results store)
    assert index.read_text(encoding="utf-8").count("raw.ld") >= 5
