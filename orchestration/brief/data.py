"""Read the brief's figures from the serving copy (never the warehouse being built).

Only aggregates, rule names and indicator values are read: no person-level
rows, keys or pseudonyms reach the brief. A section whose mart is missing
says so instead of failing the whole brief.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl


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

    @property
    def available(self) -> bool:
        return self.frame is not None and self.frame.height > 0


@dataclass
class BriefData:
    streets: list[tuple[str, str]]
    sections_by_street: dict[str | None, list[Section]]
    published_at: str


def _frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(query, params=params).pl()


def _population(con: duckdb.DuckDBPyConnection, street: str | None) -> Section:
    s = Section("Population 人口", "How many people are managed where, and how old are they?",
                "rpt_population_structure", label="area",
                values=["managed_count", "hukou_share", "elderly_60_plus_share"],
                protected=("managed_count", "hukou_share", "elderly_60_plus_share"))  # fmt: skip
    level, where = ("street", "") if street is None else ("community", "and c.street_code = ?")
    s.frame = _frame(
        con,
        f"""
        with latest as (select max(month_start) as m from marts.rpt_population_structure)
        select coalesce(any_value(n.name), p.unit_code) as area,
               sum(p.managed_count) as managed_count,
               round(avg(p.hukou_share), 3) as hukou_share,
               round(avg(p.elderly_60_plus_share), 3) as elderly_60_plus_share
        from marts.rpt_population_structure as p
        join latest on p.month_start = latest.m
        left join (select community_code as code, community_name as name, street_code
                   from marts.dim_community where is_current
                   union all
                   select street_code, street_name, street_code from marts.dim_street
                   where is_current) as n on n.code = p.unit_code
        left join marts.dim_community as c on c.community_code = p.unit_code and c.is_current
        where p.unit_level = ? {where}
        group by p.unit_code order by managed_count desc limit 15
        """,
        [level] + ([street] if street else []),
    )
    return s


def _events(con: duckdb.DuckDBPyConnection, street: str | None, week_end: date) -> Section:
    s = Section("Events closed loop 事件闭环",
                "Were last week's grid events closed on time, and who lags?",
                "rpt_event_performance", label="unit_code",
                values=["events_reported", "events_closed", "closed_on_time_rate",
                        "assessment_score"])  # fmt: skip
    level, where = ("street", "") if street is None else ("community", "and c.street_code = ?")
    week_start = week_end - timedelta(days=week_end.weekday())
    s.frame = _frame(
        con,
        f"""
        select e.unit_code, e.events_reported, e.events_closed,
               round(e.closed_on_time_rate, 3) as closed_on_time_rate,
               round(e.assessment_score, 1) as assessment_score, e.assessment_rank
        from marts.rpt_event_performance as e
        left join marts.dim_community as c on c.community_code = e.unit_code and c.is_current
        where e.period_type = 'week' and e.unit_level = ? and e.period_start = ? {where}
        order by e.events_reported desc limit 15
        """,
        [level, week_start] + ([street] if street else []),
    )
    if s.frame.height == 0:
        s.note = f"no events in the week starting {week_start}"
    return s


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ?", [table]).fetchall()}  # fmt: skip


def _indicators(con: duckdb.DuckDBPyConnection, street: str | None = None) -> Section:
    s = Section("Indicators vs targets 指标对标", "Where do plan indicators stand against targets?",
                "rpt_plan_indicators", label="indicator",
                values=["measured_value", "target_value"])  # fmt: skip
    query = """
        select indicator_name_zh || ' ' || indicator_name_en as indicator, unit, comparator,
               round(measured_value, 2) as measured_value, target_value, is_target_met
        from marts.rpt_plan_indicators where is_measured {scope} order by indicator_code
    """
    has_street = "street_code" in _columns(con, "rpt_plan_indicators")
    if street is not None and has_street:
        s.frame = _frame(con, query.format(scope="and street_code = ?"), [street])
        if s.frame.height:
            return s
    # The district's rows (street_code null where the mart has the column).
    s.frame = _frame(con, query.format(scope="and street_code is null" if has_street else ""))
    if street is not None:
        s.question += " (district level: the mart has no figures for this street)"
    return s


def _cross_checks(con: duckdb.DuckDBPyConnection, street: str | None = None) -> Section:
    s = Section("Top cross-check findings 关联比对", "Which cross-checks found the most cases?",
                "rpt_cross_check_counts", label="rule_code", values=["findings"],
                protected=("findings",))  # fmt: skip
    # the findings per community as published: counts of fewer than the threshold
    # (and their complements) are withheld, so a sum covers the published cells
    # and says how many communities it leaves out
    query = """
        select rule_code, max(severity) as severity, sum(findings) as findings,
               count(*) filter (where sdc_suppressed) as communities_withheld
        from marts.rpt_cross_check_counts {scope}
        group by rule_code order by sum(findings) desc nulls last, rule_code limit 10
    """
    if street is not None:
        s.frame = _frame(con, query.format(scope="where street_code = ?"), [street])
    else:
        s.frame = _frame(con, query.format(scope=""))
    if s.frame.height == 0:
        s.note = "no findings"
    return s


def _guard(section_fn: Callable[..., Section], *args: object, threshold: int = 5) -> Section:
    """One section; a missing mart empties that section, not the whole brief."""
    try:
        section = section_fn(*args)
    except duckdb.CatalogException as err:
        return Section(section_fn.__name__.strip("_"), "", "", note=f"mart missing: {err}"[:200])
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
            (code, name or code)
            for code, name in con.execute(
                """
                select distinct p.unit_code, s.street_name
                from marts.rpt_population_structure as p
                left join marts.dim_street as s on s.street_code = p.unit_code and s.is_current
                where p.unit_level = 'street' order by 1
                """
            ).fetchall()
        ] if "rpt_population_structure" in tables and "dim_street" in tables else []  # fmt: skip
        published = (
            str(con.execute("select max(published_at) from marts._published").fetchall()[0][0])
            if "_published" in tables
            else "unknown"
        )
        k = threshold
        district = [
            _guard(_population, con, None, threshold=k),
            _guard(_events, con, None, week_end, threshold=k),
            _guard(_indicators, con, threshold=k),
            _guard(_cross_checks, con, None, threshold=k),
        ]
        by_street: dict[str | None, list[Section]] = {None: district}
        for code, _name in streets:
            by_street[code] = [
                _guard(_population, con, code, threshold=k),
                _guard(_events, con, code, week_end, threshold=k),
                _guard(_indicators, con, code, threshold=k),
                _guard(_cross_checks, con, code, threshold=k),
            ]
    return BriefData(streets=streets, sections_by_street=by_street, published_at=published)
