"""What runs when: one DAG per feed on its delivery cadence, the assets they emit.

Pure data (no Airflow import) so the runner, the DAG files and the tests share
one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Deliveries are dated in Shenzhen local time (docs/FEEDS.md), so every cadence is too.
TIMEZONE = "Asia/Shanghai"
TZ = ZoneInfo(TIMEZONE)

# Every task that opens the DuckDB warehouse file takes this pool's only slot:
# DuckDB locks the whole file for a writer, readers included.
WAREHOUSE_POOL = "zhiwang_warehouse"
WAREHOUSE_POOL_SLOTS = 1

ASSET_PREFIX = "zhiwang://"
SERVING_ASSET_URI = f"{ASSET_PREFIX}serving/marts"


@dataclass(frozen=True)
class FeedDag:
    """One ingest DAG: a feed (or one file kind of it) on its delivery cadence."""

    dag_id: str
    feed: str
    cron: str
    cadence: str
    # Only delivery folders holding a file whose name starts with this prefix
    # count (monthly contributions arrive in the social-security folders).
    file_prefix: str | None = None
    description: str = ""

    @property
    def asset_uri(self) -> str:
        suffix = f"/{self.file_prefix.rstrip('_')}" if self.file_prefix else ""
        return f"{ASSET_PREFIX}raw/{self.feed}{suffix}"


FEED_DAGS: tuple[FeedDag, ...] = (
    FeedDag(
        "ingest_population",
        "population",
        "0 0 * * *",
        "daily",
        description="Public-security register changes and grid collection, daily.",
    ),
    FeedDag(
        "ingest_entities",
        "entities",
        "0 0 * * *",
        "daily",
        description="Market-regulation changes and the social-organisation snapshot, daily.",
    ),
    FeedDag(
        "ingest_housing",
        "housing",
        "0 0 * * 1",
        "weekly",
        description="Building and room snapshots weekly (Mondays), with the week's rental filings.",
    ),
    FeedDag(
        "ingest_social_security",
        "social_security",
        "0 0 * * *",
        "daily",
        description="Insured persons, assistance payments and registered unemployment, daily.",
    ),
    FeedDag(
        "ingest_social_security_contributions",
        "social_security",
        "0 0 1 * *",
        "monthly",
        file_prefix="jfmx_",
        description="Monthly contributions (jfmx), delivered in the following month.",
    ),
    FeedDag(
        "ingest_facilities",
        "facilities",
        "0 0 1 * *",
        "monthly",
        description="Public-service facilities, a full snapshot on the first working day "
        "of the month.",
    ),
    FeedDag(
        "ingest_events",
        "events",
        "0 * * * *",
        "hourly",
        description="Grid-event lifecycle appends, hourly, and 12345 requests.",
    ),
)

TRANSFORM_DAG_ID = "transform_marts"
REPORT_DAG_ID = "weekly_brief"
# Monday 08:00 local: the brief is on desks at the start of the working week.
REPORT_CRON = "0 8 * * 1"
TRANSFORM_DEADLINE = timedelta(hours=2)


def feed_dag(dag_id: str) -> FeedDag:
    """The feed DAG spec with this id."""
    for spec in FEED_DAGS:
        if spec.dag_id == dag_id:
            return spec
    raise KeyError(dag_id)


def delivery_dates(interval_start: datetime, interval_end: datetime) -> list[date]:
    """Delivery dates (local) a run with this data interval is responsible for.

    A daily interval [D 00:00, D+1 00:00) is delivery D; an hourly one lies
    inside its day; a weekly or monthly one covers each of its days.
    """
    start = interval_start.astimezone(TZ)
    end = interval_end.astimezone(TZ)
    first = start.date()
    last = max(first, (end - timedelta(microseconds=1)).date())
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def date_range(first: date, last: date) -> list[date]:
    """Inclusive list of dates."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
