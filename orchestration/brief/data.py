"""Read the brief's figures from the serving copy (never the warehouse being built).

Each table of the brief is a plain select of one dbt serving model
(``dbt_project/models/marts/serving/rpt_brief_*``, ``rpt_feed_freshness``):
the models shape, name, order and round the figures; this module picks a
brief's rows (``brief_area``) and columns. The sections that are one model
shown as it is are declared in ``TABLES``. Only aggregates, rule names and
indicator values are read: no person-level rows, keys or pseudonyms reach the
brief. A section whose mart is missing says so instead of failing the whole
brief.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

# rpt_brief_*.brief_area of the district's brief (a street's brief: its code)
DISTRICT = "district"
# rows per table (the unlocated member, 未定位, always among them: it sorts first)
TOP_ROWS = 15


@dataclass
class Section:
    title: str
    question: str
    table: str
    frame: pl.DataFrame | None = None
    label: str | None = None
    values: list[str] = field(default_factory=list)
    note: str = ""
    # columns that disclosure control may withhold (counts of persons, their shares)
    protected: tuple[str, ...] = ()
    # templates/sections/<key>.html.j2, when present, adds the section's own text
    key: str = ""

    @property
    def available(self) -> bool:
        return self.frame is not None and self.frame.height > 0


@dataclass
class FeedDate:
    feed: str
    data_through: date
    days_behind: int
    is_behind: bool


@dataclass
class BriefData:
    streets: list[tuple[str, str]]
    sections_by_street: dict[str | None, list[Section]]
    published_at: str
    feeds: list[FeedDate] = field(default_factory=list)

    def period(self, week_end: date) -> str:
        """The brief's period as the data supports it: the week, and each feed's last day.

        A feed whose data stops before the week's end is named, so "week ending
        2026-10-03" is never read as covering days a feed has not delivered.
        """
        week_start = week_end - timedelta(days=week_end.weekday())
        text = f"Week {week_start.isoformat()} to {week_end.isoformat()}"
        if not self.feeds:
            return text + " · data dates unknown (marts.rpt_feed_freshness missing)"
        dates = ", ".join(
            f"{f.feed} {f.data_through.isoformat()}" + (" (BEHIND)" if f.is_behind else "")
            for f in self.feeds
        )
        short = [f.feed for f in self.feeds if f.data_through < week_end]
        text += f" · data run to: {dates}"
        if short:
            last = min(f.data_through for f in self.feeds)
            text += (
                f" · the week is incomplete for {', '.join(short)}"
                f" (earliest data end {last.isoformat()})"
            )
        return text


def _frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(query, params=params).pl()


def _count(value: object) -> str:
    """A figure for the brief's text: withheld by disclosure control (NULL) reads as "—"."""
    if value is None:
        return "— (withheld)"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _population(con: duckdb.DuckDBPyConnection, street: str | None) -> Section:
    """Managed population by its one definition (docs/DEFINITIONS.md), from
    ``rpt_brief_population``: the district's streets (rpt_headline_figures), a
    street's communities (rpt_population_structure's latest month). Residents
    without a known location show as the unlocated (未定位) street or community,
    first, never dropped."""
    columns = ["managed_count", "hukou_share", "elderly_60_plus_share"]
    if street is None:
        columns.insert(1, "unlocated_count")
    s = Section("Population 人口", "How many people are managed where, and how old are they?",
                "rpt_brief_population", label="area", values=columns,
                protected=tuple(columns))  # fmt: skip
    s.frame = _frame(
        con,
        f"select area, {', '.join(columns)} from marts.rpt_brief_population "
        f"where brief_area = ? and brief_order <= {TOP_ROWS} order by brief_order",
        [street or DISTRICT],
    )
    if street is None:
        rows = con.execute(
            "select managed_population, unlocated_population, population_as_of "
            "from marts.rpt_headline_figures where unit_level = 'district'"
        ).fetchall()
        if rows:
            managed, unlocated, as_of = (_count(v) for v in rows[0])
            s.note = (f"district total {managed} managed persons at {as_of}, "
                      f"{unlocated} of them without a known location (未定位)")  # fmt: skip
            s.question += f" (district: {managed} at {as_of}; 未定位 {unlocated})"
    return s


def _events(
    con: duckdb.DuckDBPyConnection, street: str | None, week_end: date, feeds: list[FeedDate]
) -> Section:
    s = Section("Events closed loop 事件闭环",
                "Were last week's grid events closed on time, and who lags? Duplicate reports "
                "are counted apart, outside the events and the rates; a unit that closed "
                "nothing has no score.",
                "rpt_brief_events", label="area",
                values=["events_reported", "duplicate_events", "events_closed",
                        "closed_on_time_rate", "assessment_score"])  # fmt: skip
    week_start = week_end - timedelta(days=week_end.weekday())
    s.frame = _frame(
        con,
        f"""
        select area, unit_code, events_reported, duplicate_events, events_closed,
               closed_on_time_rate, assessment_score, assessment_rank
        from marts.rpt_brief_events
        where brief_area = ? and period_start = ? and brief_order <= {TOP_ROWS}
        order by brief_order
        """,
        [street or DISTRICT, week_start],
    )
    events = next((f for f in feeds if f.feed == "events"), None)
    if events is not None and events.data_through < week_end:
        s.question += (
            f" Events data run only to {events.data_through.isoformat()}"
            + (f", {events.days_behind} day(s) behind the other feeds" if events.is_behind else "")
            + ": the week's figures stop there."
        )
    if s.frame.height == 0:
        s.note = f"no events in the week starting {week_start}"
    return s


def _feed_dates(con: duckdb.DuckDBPyConnection) -> list[FeedDate]:
    rows = con.execute(
        "select feed, data_through_date, days_behind, is_behind "
        "from marts.rpt_feed_freshness order by feed"
    ).fetchall()
    return [FeedDate(*row) for row in rows]


def _freshness(con: duckdb.DuckDBPyConnection) -> Section:
    s = Section("Data freshness 数据时效",
                "Up to which day does each feed's data run, and is one behind the others?",
                "rpt_feed_freshness", label="feed", values=["days_behind"])  # fmt: skip
    s.frame = _frame(
        con,
        "select feed, feed_name, latest_delivery_date, data_through_date, days_behind, "
        "status_en as status from marts.rpt_feed_freshness order by feed",
    )
    behind = s.frame.filter(pl.col("status") == "BEHIND")["feed"].to_list()
    if behind:
        s.question += f" Behind: {', '.join(behind)}."
    return s


def _indicators(con: duckdb.DuckDBPyConnection, street: str | None = None) -> Section:
    s = Section("Indicators vs targets 指标对标", "Where do plan indicators stand against targets?",
                "rpt_brief_indicators", label="indicator",
                values=["measured_value", "target_value"])  # fmt: skip
    s.frame = _frame(
        con,
        """
        select indicator, unit, comparator, measured_value, target_value, is_target_met,
               is_district_level
        from marts.rpt_brief_indicators where brief_area = ? order by indicator_code
        """,
        [street or DISTRICT],
    )
    if street is not None and s.frame.height and s.frame["is_district_level"].all():
        s.question += " (district level: the mart has no figures for this street)"
    s.frame = s.frame.drop("is_district_level")
    return s


def _cross_checks(con: duckdb.DuckDBPyConnection, street: str | None = None) -> Section:
    s = Section("Top cross-check findings 关联比对", "Which cross-checks found the most cases?",
                "rpt_brief_cross_checks", label="rule_name", values=["findings"],
                protected=("findings",))  # fmt: skip
    # the findings per community as published: counts of fewer than the threshold
    # (and their complements) are withheld, so a sum covers the published cells
    # and says how many communities it leaves out
    s.frame = _frame(
        con,
        """
        select rule_name, rule_code, severity, findings, communities_withheld
        from marts.rpt_brief_cross_checks
        where brief_area = ? and brief_order <= 10 order by brief_order
        """,
        [street or DISTRICT],
    )
    if s.frame.height == 0:
        s.note = "no findings"
    return s


@dataclass(frozen=True)
class BriefTable:
    """A section that is one serving model shown as it is: its rows of the brief
    (``brief_area``, when the model has one) in ``brief_order``, these columns.
    Adding such a section = one dbt model + one entry in ``TABLES`` (+ optionally
    a template ``templates/sections/<key>.html.j2`` for its own text)."""

    key: str
    title: str
    question: str
    relation: str  # marts.<model>: the exposures generator reads these names
    label: str
    columns: tuple[str, ...]
    protected: tuple[str, ...] = ()
    per_area: bool = True
    # a column counting the units whose withheld figures the row's sums leave out
    withheld: str = ""

    def read(self, con: duckdb.DuckDBPyConnection, street: str | None) -> Section:
        section = Section(self.title, self.question, self.relation.removeprefix("marts."),
                          label=self.label, values=list(self.columns[1:2]),
                          protected=self.protected, key=self.key)  # fmt: skip
        select = f"select {', '.join(self.columns)} from {self.relation}"
        if self.per_area:
            section.frame = _frame(
                con,
                f"{select} where brief_area = ? and brief_order <= {TOP_ROWS} order by brief_order",
                [street or DISTRICT],
            )
        else:
            section.frame = _frame(con, f"{select} order by {self.columns[0]}")
        if self.withheld and section.frame.height:
            left_out = section.frame[self.withheld].sum()
            if left_out:
                unit = self.withheld.removesuffix("_withheld")
                section.note = (f"sums of published cells: {left_out:,} {unit} with a figure "
                                "withheld are left out")  # fmt: skip
        return section


TABLES = (
    BriefTable(
        "social_security", "Social security and assistance 社保与救助",
        "How many working-age residents are insured, how many work for an employer in "
        "arrears, and how many receive assistance?",
        "marts.rpt_brief_social_security", "area",
        ("area", "working_age_residents", "insured_residents", "coverage_share",
         "residents_with_employer_in_arrears", "assistance_recipients", "assistance_amount_yuan",
         "communities_withheld"),
        protected=("working_age_residents", "insured_residents", "coverage_share",
                   "residents_with_employer_in_arrears", "assistance_recipients"),
        withheld="communities_withheld",
    ),
    BriefTable(
        "housing", "Housing and rental 房屋与租赁",
        "How many buildings, rental rooms and filed tenants are there, and how many "
        "buildings are overcrowded (more than 2 residents per room) or hazardous?",
        "marts.rpt_brief_housing", "area",
        ("area", "buildings", "urban_village_buildings", "rental_rooms", "tenants",
         "overcrowded_buildings", "hazard_buildings", "residents_in_hazard_buildings",
         "buildings_withheld"),
        protected=("tenants", "residents_in_hazard_buildings"),
        withheld="buildings_withheld",
    ),
    BriefTable(
        "hotline", "12345 citizens' hotline 12345 市民热线",
        "In the newest month of tickets: how many came in, how many became grid events, how "
        "long until someone first acted, and how satisfied were the callers?",
        "marts.rpt_brief_hotline", "area",
        ("area", "tickets", "tickets_to_events", "event_share", "median_response_minutes",
         "rated_tickets", "mean_satisfaction", "satisfied_share", "repeat_tickets", "month_start"),
        # ratings are persons' answers (withheld below the threshold); tickets are cases
        protected=("rated_tickets",),
    ),
    BriefTable(
        "shortfalls", "Planning shortfalls 规划缺口",
        "At the end of the five-year projection, where do elderly-care beds, childcare places "
        "and school seats fall short of the facilities' capacity (docs/PROJECTIONS.md)?",
        "marts.rpt_brief_shortfalls", "area",
        ("area", "primary_seats_short", "junior_seats_short", "childcare_places_short",
         "elderly_beds_short", "projection_date", "communities_withheld"),
        withheld="communities_withheld",
    ),
    BriefTable(
        "data_quality", "Data quality 数据质量",
        "What did each feed deliver last, how many deliveries did the quality gate block, "
        "and what share of rows was quarantined?",
        "marts.rpt_brief_data_quality", "feed_name",
        ("feed_name", "blocked_deliveries", "latest_delivery_date", "deliveries",
         "received_rows", "quarantined_rows", "quarantine_share", "expectation_pass_rate"),
        per_area=False,
    ),
)  # fmt: skip


def _table(con: duckdb.DuckDBPyConnection, spec: BriefTable, street: str | None) -> Section:
    return spec.read(con, street)


def _guard(section_fn: Callable[..., Section], *args: object, threshold: int = 5) -> Section:
    """One section; a missing mart empties that section, not the whole brief."""
    try:
        section = section_fn(*args)
    except duckdb.CatalogException as err:
        spec = next((a for a in args if isinstance(a, BriefTable)), None)
        title = spec.title if spec else section_fn.__name__.strip("_")
        return Section(title, "", "", note=f"mart missing: {err}"[:200])
    frame = section.frame
    if frame is not None and any(frame[c].null_count() for c in section.protected if c in frame):
        # the serving copy withholds counts of fewer than `threshold` persons (and
        # their complements, docs/PRIVACY.md); the brief shows them as withheld
        withheld = f"— withheld: fewer than {threshold} persons (disclosure control)"
        section.note = f"{section.note}; {withheld}" if section.note else withheld
    return section


def read_brief_data(serving: Path, week_end: date, threshold: int = 5) -> BriefData:
    """The district's sections (key None) and each street's, from the serving copy.

    Counts of persons arrive already protected by publish (NULL when withheld,
    ``threshold`` names the limit in the brief's note); the brief only sums
    published cells, which discloses nothing they do not.
    """
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}  # fmt: skip
        streets = [
            (code, name)
            for code, name in con.execute(
                "select street_code, street_name from marts.rpt_brief_streets order by street_code"
            ).fetchall()
        ] if "rpt_brief_streets" in tables else []  # fmt: skip
        published = (
            str(con.execute("select max(published_at) from marts._published").fetchall()[0][0])
            if "_published" in tables
            else "unknown"
        )
        feeds = _feed_dates(con) if "rpt_feed_freshness" in tables else []
        k = threshold
        by_street: dict[str | None, list[Section]] = {}
        for code in [None, *(code for code, _name in streets)]:
            by_street[code] = [
                _guard(_freshness, con, threshold=k),
                _guard(_population, con, code, threshold=k),
                _guard(_events, con, code, week_end, feeds, threshold=k),
                _guard(_indicators, con, code, threshold=k),
                _guard(_cross_checks, con, code, threshold=k),
                *(_guard(_table, con, spec, code, threshold=k) for spec in TABLES),
            ]
    return BriefData(
        streets=streets, sections_by_street=by_street, published_at=published, feeds=feeds
    )
