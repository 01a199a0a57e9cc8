"""Run windows and the catch-up plan follow each feed's cadence."""

from __future__ import annotations

from datetime import date, datetime

from orchestration.plan import plan_runs
from orchestration.schedules import FEED_DAGS, TZ, delivery_dates


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_daily_interval_is_one_delivery_date() -> None:
    assert delivery_dates(_local(2026, 10, 1), _local(2026, 10, 2)) == [date(2026, 10, 1)]


def test_hourly_interval_lies_inside_its_day() -> None:
    assert delivery_dates(_local(2026, 10, 1, 23), _local(2026, 10, 2, 0)) == [date(2026, 10, 1)]


def test_weekly_interval_covers_seven_days() -> None:
    dates = delivery_dates(_local(2026, 9, 28), _local(2026, 10, 5))
    assert dates[0] == date(2026, 9, 28) and dates[-1] == date(2026, 10, 4) and len(dates) == 7


def test_utc_interval_is_read_in_shenzhen_time() -> None:
    from datetime import UTC

    start = datetime(2026, 9, 30, 16, tzinfo=UTC)  # 2026-10-01 00:00 in Shenzhen
    end = datetime(2026, 10, 1, 16, tzinfo=UTC)
    assert delivery_dates(start, end) == [date(2026, 10, 1)]


def test_catch_up_plan_runs_weekly_and_monthly_once_and_transform_each_date() -> None:
    runs = plan_runs(date(2026, 10, 1), 3)
    by_dag: dict[str, list] = {}
    for run in runs:
        by_dag.setdefault(run.dag_id, []).append(run)
    assert len(by_dag["ingest_population"]) == 3
    assert len(by_dag["ingest_events"]) == 3
    (housing,) = by_dag["ingest_housing"]
    assert housing.conf == {"from_date": "2026-10-01", "to_date": "2026-10-03", "wait": False}
    assert housing.logical_date.startswith("2026-09-28T00:00:00+08:00")  # Monday of that week
    (contrib,) = by_dag["ingest_social_security_contributions"]
    assert contrib.logical_date.startswith("2026-10-01")
    (facilities,) = by_dag["ingest_facilities"]
    assert facilities.logical_date.startswith("2026-10-01")
    assert facilities.conf == {"from_date": "2026-10-01", "to_date": "2026-10-03", "wait": False}
    assert [r.step for r in by_dag["transform_marts"]] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert runs[-1].dag_id == "weekly_brief" and runs[-1].conf == {"week_end": "2026-10-03"}
    # Each transform comes after every feed run of its date.
    for i, run in enumerate(runs):
        if run.role == "feed":
            later = [r for r in runs[i:] if r.role == "transform"]
            assert later and later[0].step == run.step


def test_every_feed_has_a_dag_and_a_distinct_asset() -> None:
    feeds = {spec.feed for spec in FEED_DAGS}
    assert feeds == {
        "population", "entities", "housing", "social_security", "events", "facilities",
    }  # fmt: skip
    uris = [spec.asset_uri for spec in FEED_DAGS]
    assert len(set(uris)) == len(uris)
