"""Suites for the raw layer: one per file kind, validated per delivery date.

Built from the feed contract (``ingest/feeds/*.yaml``) plus what each kind
needs beyond its shape. Severities follow the rule in ``expectations/checks.py``.
Identifier values themselves are never the subject of a value expectation:
their validity is read from the ingest's ``_flags`` and quarantine counts, so
no citizen ID reaches a result, the ``dq`` tables or the Data Docs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import great_expectations.expectations as gxe

from expectations.checks import expect, flag_like, ratio_bounds, sql_literal, tiered
from expectations.context import DeliveryContext, KindDelivery
from ingest.contract import FileKind, raw_sql_types

CODE_TYPES = ("community_code", "grid_code", "building_code", "room_code")
ID_TYPES = {"citizen_id": "invalid_citizen_id", "uscc": "invalid_uscc"}
# GCJ-02 bounding box of Shenzhen, generous by ~5 km
SHENZHEN_LON = (113.70, 114.70)
SHENZHEN_LAT = (22.40, 22.90)
# rows below which a volume ratio or a mean says more about chance than the feed
MIN_ROWS_FOR_RATIO = 50
MIN_ROWS_FOR_DRIFT = 30
RESERVED = {"at"}  # DuckDB keywords among the contracts' column names
# event category mix: unit = an event newly reported in the delivery, by main
# category (GB/T 30428.2 first level, the code's first two digits)
EVENT_CATEGORY = "left(category_code, 2)"
MIX_REFERENCE_DAYS = 28  # the deliveries of the four weeks before
MIN_EVENTS_FOR_MIX = 50  # per side; below it a mix says more about chance
MIX_ALPHA = 0.001  # chi-square test of homogeneity, false alarms per delivery
MIX_MIN_PSI = 0.1  # and a material shift: population stability index >= 0.1
MIX_MIN_EXPECTED = 1  # cells expected below one event are pooled (Cochran)


@dataclass
class KindSpec:
    """What a file kind needs beyond its contract."""

    freshness: str | None = None  # update-time column of change/append kinds
    derived: dict[str, str] = field(default_factory=dict)  # extra columns in the asset query
    extra: Callable[[KindDelivery, DeliveryContext], list[Any]] | None = None


def raw_quoted(column: str) -> str:
    return f'"{column}"'


def gx_column(column: str) -> str:
    """The name GX may use for a column (keywords go through an alias)."""
    return f"_{column}" if column in RESERVED else column


def asset_query(kind: FileKind, day: date, communities_sql: str) -> str:
    """The batch of one delivery: the raw view's rows of that day plus derived columns."""
    spec = SPECS.get(kind.kind, KindSpec())
    derived = {
        f"_known_community_{c.name}": (f"left({raw_quoted(c.name)}, 12) in ({communities_sql})")
        for c in kind.columns
        if c.type in CODE_TYPES
    }
    # GX does not quote column names for DuckDB: give keyword-named columns an alias
    derived.update(
        {gx_column(c.name): raw_quoted(c.name) for c in kind.columns if c.name in RESERVED}
    )
    # GX has no LIKE/regex operator for the duckdb dialect: DuckDB computes the test
    derived.update(
        {
            f"_valid_{c.name}": (
                f"case when {raw_quoted(c.name)} is null then null "
                f"else not coalesce(_flags like {sql_literal(flag_like(code, c.name))}, false) end"
            )
            for c in kind.columns
            if (code := _flag_code(c))
        }
    )
    derived.update(spec.derived)
    extra = "".join(f", {expr} as {name}" for name, expr in derived.items())
    # the date filter sits in the query (not a GX partitioner) so DuckDB prunes on it
    return f"select *{extra} from raw.{kind.kind} where _delivery_date = date '{day.isoformat()}'"


def build(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    """All expectations of one kind for one delivery."""
    kind = kd.kind
    out: list[Any] = []
    out += _shape(kind)
    out += _volume(kd)
    out += _quarantine_share(kd)
    out += _identifier_validity(kind)
    out += _code_membership(kind)
    spec = SPECS.get(kind.kind, KindSpec())
    # an empty change file is a quiet day, not a stale feed (volume checks judge it)
    if spec.freshness and kind.delivery in ("changes", "append") and kd.live_rows:
        out += _freshness(spec.freshness, kd.delivery_date)
    if spec.extra:
        out += spec.extra(kd, ctx)
    return out


# --- generic checks -----------------------------------------------------------


def _shape(kind: FileKind) -> list[Any]:
    expected = raw_sql_types(kind)  # the contract's raw types, lineage included
    values = ", ".join(f"({sql_literal(k)}, {sql_literal(v)})" for k, v in expected.items())
    # full join: a missing, an extra and a retyped column each return one row
    types_query = f"""
        with _batch as (select * from {{batch}} limit 0),
        expected(column_name, expected_type) as (values {values}),
        actual as (
            select column_name, data_type as actual_type
            from information_schema.columns
            where table_schema = 'raw' and table_name = {sql_literal(kind.kind)}
        )
        select coalesce(expected.column_name, actual.column_name) as column_name,
               expected.expected_type, actual.actual_type
        from expected full join actual on expected.column_name = actual.column_name
        where expected.expected_type is distinct from actual.actual_type
    """
    out = [
        expect(
            gxe.UnexpectedRowsExpectation,
            "fail",
            "schema_types",
            unexpected_rows_query=types_query,
            description=f"raw.{kind.kind} has exactly the contract's columns and types",
        ),
    ]
    for col in kind.columns:
        if col.required:
            out.append(
                expect(
                    gxe.ExpectColumnValuesToNotBeNull,
                    "fail",
                    "required_not_null",
                    column=gx_column(col.name),
                )
            )
    if kind.delivery in ("snapshot", "monthly"):
        out.append(expect(gxe.ExpectTableRowCountToBeBetween, "fail", "not_empty", min_value=1))
    return out


def _volume(kd: KindDelivery) -> list[Any]:
    prev = kd.previous_loaded
    if prev is None or prev < MIN_ROWS_FOR_RATIO:
        return []
    snapshot = kd.kind.delivery in ("snapshot", "monthly")
    warn = (0.9, 1.1) if snapshot else (1 / 3, 3.0)
    fail = (0.5, 2.0) if snapshot else (1 / 20, 20.0)
    wmin, wmax = ratio_bounds(prev, *warn)
    fmin, fmax = ratio_bounds(prev, *fail)
    return tiered(
        gxe.ExpectTableRowCountToBeBetween,
        "volume_vs_previous",
        warn={"min_value": wmin, "max_value": wmax},
        fail={"min_value": fmin, "max_value": fmax},
        description=f"rows against the previous delivery ({kd.previous_date}: {prev:,} rows)",
    )


def _quarantine_share(kd: KindDelivery) -> list[Any]:
    kind, day = sql_literal(kd.kind.kind), kd.delivery_date.isoformat()

    def query(limit: float) -> str:
        return f"""
            with _batch as (select * from {{batch}} limit 0)
            select kind, delivery_date, sum(received) as received,
                   sum(quarantined) as quarantined,
                   sum(quarantined) / sum(received) as share
            from audit.batches
            where kind = {kind} and delivery_date = date '{day}'
              and status = 'loaded' and received > 0
            group by all
            having sum(quarantined) > {limit} * sum(received)
        """

    return [
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "quarantine_share",
            unexpected_rows_query=query(0.02),
            description="at most 2% of the delivered rows quarantined",
        ),
        expect(
            gxe.UnexpectedRowsExpectation,
            "fail",
            "quarantine_share",
            unexpected_rows_query=query(0.20),
            description="more than 20% quarantined: a broken export, not dirty rows",
        ),
    ]


def _flag_code(col: Any) -> str | None:
    """The ingest's flag for an invalid value of a flagged identifier/code column."""
    code = ID_TYPES.get(col.type) or ("invalid_code" if col.type in CODE_TYPES else None)
    return code if code and col.on_invalid == "flag" else None


def _identifier_validity(kind: FileKind) -> list[Any]:
    out: list[Any] = []
    for col in kind.columns:
        code = _flag_code(col)
        if code is None:
            continue
        out += tiered(
            gxe.ExpectColumnValuesToBeInSet,
            "identifier_validity",
            warn={"mostly": 0.99},
            fail={"mostly": 0.80},
            column=f"_valid_{col.name}",
            value_set=[True],
            description=f"share of valid {col.name} ({code} flags from the ingest)",
        )
    return out


def _code_membership(kind: FileKind) -> list[Any]:
    out: list[Any] = []
    for col in kind.columns:
        if col.type not in CODE_TYPES:
            continue
        out += tiered(
            gxe.ExpectColumnValuesToBeInSet,
            "code_in_reference",
            warn={"mostly": 0.99},
            fail={"mostly": 0.80},
            column=f"_known_community_{col.name}",
            value_set=[True],
            description=f"{col.name}: community prefix is a current NBS community",
        )
    return out


def _freshness(column: str, day: date) -> list[Any]:
    start = datetime.combine(day, datetime.min.time())
    return [
        expect(
            gxe.ExpectColumnMaxToBeBetween,
            "warn",
            "freshness",
            column=column,
            min_value=(start - timedelta(days=2)).isoformat(sep=" "),
            description="the newest change is at most two days older than the delivery",
        ),
        # a few future stamps are row dirt (warn); over 1% of the rows is a clock or
        # time-zone fault of the export (fail). District data: 2-5 of ~60,000 a day.
        *tiered(
            gxe.ExpectColumnValuesToBeBetween,
            "no_future_timestamps",
            warn={"mostly": 1.0},
            fail={"mostly": 0.99},
            column=column,
            max_value=(start + timedelta(days=1)).isoformat(sep=" "),
            description="no change stamped after the delivery day",
        ),
    ]


def _date_order(check: str, later: str, earlier: str) -> list[Any]:
    # warn only: the share is over rows carrying both dates, often a handful
    return [
        expect(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB,
            "warn",
            check,
            column_A=later,
            column_B=earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    ]


def _in_shenzhen(lon: str = "lon", lat: str = "lat") -> list[Any]:
    return [
        expect(
            gxe.ExpectColumnValuesToBeBetween,
            "warn",
            "coordinates_in_shenzhen",
            column=col,
            min_value=lo,
            max_value=hi,
            mostly=0.99,
        )
        for col, (lo, hi) in ((lon, SHENZHEN_LON), (lat, SHENZHEN_LAT))
    ]


# --- kind-specific checks -----------------------------------------------------


def _population_register(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    out = _date_order("move_out_after_move_in", "lkrq", "rzrq")
    base = ctx.baselines.get("ga_rkxx") or {}
    n = kd.live_rows
    if base and n >= MIN_ROWS_FOR_DRIFT:
        share = float(base["hukou_share"])  # type: ignore[arg-type]
        # three standard errors of a share of n rows: a daily change file is small
        tol = max(0.02, 3 * math.sqrt(max(share * (1 - share), 1e-4) / n))
        out.append(
            expect(
                gxe.ExpectColumnMeanToBeBetween,
                "warn",
                "drift_hukou_share",
                column="_is_hukou",
                min_value=max(0.0, share - tol),
                max_value=min(1.0, share + tol),
                description=f"hukou share near the register so far ({share:.3f})",
            )
        )
        age, sd = float(base["mean_age"]), float(base["sd_age"])  # type: ignore[arg-type]
        tol = max(1.0, 3 * sd / math.sqrt(n))
        out.append(
            expect(
                gxe.ExpectColumnMeanToBeBetween,
                "warn",
                "drift_mean_age",
                column="_age",
                min_value=age - tol,
                max_value=age + tol,
                description=f"mean age near the register so far ({age:.1f})",
            )
        )
    return out


def _grid_collection(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return _in_shenzhen()


def _entities(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return [
        *_date_order("cancelled_after_established", "zxrq", "clrq"),
        expect(
            gxe.ExpectColumnValuesToBeInSet,
            "warn",
            "industry_code_format",
            column="_hydm_format_ok",
            value_set=[True],
            mostly=0.99,
            description="industry code is a GB/T 4754 section letter and up to 4 digits",
        ),
    ]


def _buildings(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return _in_shenzhen()


def _rental(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return _date_order("rental_end_after_start", "end_date", "start_date")


def _period_not_after_delivery(kd: KindDelivery) -> list[Any]:
    return tiered(
        gxe.ExpectColumnValuesToBeBetween,
        "period_not_after_delivery",
        warn={"mostly": 1.0},
        fail={"mostly": 0.80},
        column="period",
        max_value=kd.delivery_date.isoformat(),
        description="a contribution or payment period cannot lie after its delivery",
    )


def _contributions(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    out = _period_not_after_delivery(kd)
    entity_tables = [t for t in ("raw.scjg_frxx", "raw.mz_shzz") if t in ctx.known_tables]
    if entity_tables:
        known = " union all ".join(f"select tyshxydm from {t}" for t in entity_tables)
        out.append(
            expect(
                gxe.UnexpectedRowsExpectation,
                "warn",
                "employer_is_known_entity",
                # Only employers of an authority and entity type (the USCC's first
                # two characters) that a delivered register holds can be looked up:
                # organs, public institutions, law firms, unions, collectives other
                # than village ones ... (GB 32100 authorities and types,
                # docs/IDENTIFIERS.md) are real employers that no entity feed lists.
                unexpected_rows_query=f"""
                    with known as ({known})
                    select employer_uscc, count(*) as contributions
                    from {{batch}}
                    where employer_uscc is not null
                      and substr(employer_uscc, 1, 2) in (
                          select distinct substr(tyshxydm, 1, 2) from known
                      )
                      and employer_uscc not in (select tyshxydm from known)
                    group by employer_uscc
                """,
                description="every contribution's employer of an authority and entity type that a "
                "delivered register holds (market regulation, civil affairs) is in that register",
            )
        )
    return out


def _assistance(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return _period_not_after_delivery(kd)


# Facility type -> capacity unit (docs/FEEDS.md section 6): beds for elderly care
# and health, places for childcare, seats for schools, work places for social work.
FACILITY_UNITS = {
    "养老机构": "床位",
    "日间照料中心": "床位",
    "托育机构": "托位",
    "幼儿园": "学位",
    "小学": "学位",
    "初中": "学位",
    "社区健康服务中心": "床位",
    "医院": "床位",
}


def _facilities(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    units = ", ".join(f"({sql_literal(t)}, {sql_literal(u)})" for t, u in FACILITY_UNITS.items())
    out = [
        *tiered(
            gxe.ExpectColumnValuesToBeBetween,
            "capacity_not_negative",
            warn={"mostly": 1.0},
            fail={"mostly": 0.80},
            column="hdrl",
            min_value=0,
            description="a rated capacity is a count: never negative",
        ),
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "capacity_in_use_within_rated",
            unexpected_rows_query="select ssbm, hdrl, zys from {batch} where zys > hdrl",
            description="capacity in use does not exceed the rated capacity",
        ),
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "capacity_unit_matches_type",
            unexpected_rows_query=f"""
                with units(sslx, rllx) as (values {units})
                select b.ssbm, b.sslx, b.rllx
                from {{batch}} as b join units as u on b.sslx = u.sslx
                where b.rllx is distinct from u.rllx
                union all
                select ssbm, sslx, rllx from {{batch}}
                where sslx = '社工站' and rllx is distinct from '工位'
            """,
            description="beds for elderly care and health, places for childcare, seats for "
            "schools, work places for social-work stations",
        ),
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "social_workers_only_at_stations",
            unexpected_rows_query="""
                select ssbm, sslx, czsgs from {batch}
                where (sslx = '社工站') <> (czsgs is not null)
            """,
            description="licensed social workers are given for social-work stations only",
        ),
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "status_agrees_with_dates",
            unexpected_rows_query=f"""
                select ssbm, zt, qyrq, tyrq from {{batch}}
                where (zt = '在建' and qyrq <= date '{kd.delivery_date.isoformat()}')
                   or (zt = '停业' and tyrq is null)
                   or (zt = '运营' and tyrq is not null)
            """,
            description="under construction opens in the future; closed has a closing date, "
            "operating none",
        ),
        expect(
            gxe.ExpectColumnValuesToBeInSet,
            "warn",
            "facility_id_format",
            column="_ssbm_format_ok",
            value_set=[True],
            description="facility ids look like MZ-YL-000123",
        ),
        *_date_order("facility_closed_after_opened", "tyrq", "qyrq"),
        *_in_shenzhen("jd", "wd"),
    ]
    if "raw.ld" in ctx.known_tables:
        out.append(
            expect(
                gxe.UnexpectedRowsExpectation,
                "warn",
                "facility_building_exists",
                unexpected_rows_query="""
                    select ssbm, ldbm from {batch}
                    where ldbm is not null
                      and ldbm not in (
                          select building_code from raw.ld where building_code is not null)
                """,
                description="every facility's building is in the buildings register",
            )
        )
    return out


def _unemployment(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    return [
        expect(
            gxe.ExpectColumnValuesToBeBetween,
            "warn",
            "registered_not_after_delivery",
            column="registered_date",
            max_value=kd.delivery_date.isoformat(),
            mostly=1.0,
            description="a registration date cannot lie after its delivery",
        )
    ]


def _event_lifecycle(kd: KindDelivery, ctx: DeliveryContext) -> list[Any]:
    out = [
        expect(
            gxe.UnexpectedRowsExpectation,
            "warn",
            "closed_after_reported",
            # states of one event arrive over several deliveries: read them all
            unexpected_rows_query="""
                select event_id,
                       min("at") filter (where state = 'reported') as reported_at,
                       max("at") filter (where state = 'closed') as closed_at
                from raw.sjlz
                where event_id in (select event_id from {batch})
                group by event_id
                having max("at") filter (where state = 'closed')
                     < min("at") filter (where state = 'reported')
            """,
            description="an event is closed no earlier than it was reported",
        ),
        *_in_shenzhen(),
    ]
    if "raw.ld" in ctx.known_tables:
        # a grid the register of changes created is a grid from its effective date on,
        # before the housing department's buildings register uses it (docs/GEOGRAPHY.md)
        created = (
            f"\n                      and grid_code not in ({ctx.register_grids_sql})"
            if ctx.register_grids_sql
            else ""
        )
        out.append(
            expect(
                gxe.UnexpectedRowsExpectation,
                "warn",
                "event_grid_exists",
                unexpected_rows_query=f"""
                    select grid_code, count(*) as state_changes
                    from {{batch}}
                    where grid_code is not null
                      and grid_code not in (
                          select grid_code from raw.ld where grid_code is not null){created}
                    group by grid_code
                """,
                description="every event's grid is a grid of the buildings register "
                "or of the register of code changes",
            )
        )
    mix = ctx.baselines.get("sjlz")
    if mix:
        out.append(category_mix_drift(mix["reference"], int(mix["events"])))  # type: ignore[arg-type]
    return out


def category_mix_drift(reference: dict[str, int], events: int) -> Any:
    """Warn when the delivery's event category mix differs from the four weeks before.

    Unit: events first reported in the delivery (a state-change row is not:
    an event has one to a dozen rows, more for slow categories, and a day's
    rows mix new events with the tails of older ones). Test: chi-square test
    of homogeneity between the delivery's and the reference deliveries'
    category counts (both are samples), categories expected below one event
    pooled; a warning needs both significance (p < 0.001) and a material
    shift (population stability index >= 0.1), so a small delivery cannot
    warn by chance and a large one not for a trivial change. Measured on
    draws from the generator's mix (tests/expectations/test_drift.py): no
    false alarm in 1,600 clean deliveries of 60 to 11,000 events; a rise of
    one category from 3% to 17% warns in ~90% of deliveries of 150 events.
    DuckDB computes the statistics; the chi-square critical values per degree
    of freedom are passed in, as the number of pooled bins is known only there.
    """
    from scipy.stats import chi2

    ref_values = ", ".join(f"({sql_literal(k)}, {v})" for k, v in sorted(reference.items()))
    critical = ", ".join(
        f"({df}, {chi2.ppf(1 - MIX_ALPHA, df):.6f})" for df in range(1, len(reference) + 2)
    )
    query = f"""
        with delivery as (
            select {EVENT_CATEGORY} as category, count(distinct event_id) as n
            from {{batch}}
            where state = 'reported' and category_code is not null
            group by all
        ),
        reference(category, n) as (values {ref_values}),
        cells as (
            select coalesce(d.category, r.category) as category,
                   coalesce(d.n, 0) as observed, coalesce(r.n, 0) as reference
            from delivery as d full join reference as r on d.category = r.category
        ),
        totals as (select sum(observed) as n, sum(reference) as m from cells),
        pooled as (
            select case when least(n, m) * (observed + reference) / (n + m)
                             < {MIX_MIN_EXPECTED} then '(pooled)' else category end as category,
                   sum(observed) as o, sum(reference) as r, any_value(n) as n, any_value(m) as m
            from cells, totals
            group by all
        ),
        stats as (
            select any_value(n) as delivery_events, any_value(m) as reference_events,
                   count(*) - 1 as df,
                   sum(power(o - n * (o + r) / (n + m), 2) / (n * (o + r) / (n + m))
                       + power(r - m * (o + r) / (n + m), 2) / (m * (o + r) / (n + m))) as chi2,
                   -- PSI with half-count smoothing, so an empty bin stays finite
                   sum(((o + 0.5) / (n + 0.5 * k) - (r + 0.5) / (m + 0.5 * k))
                       * ln(((o + 0.5) / (n + 0.5 * k)) / ((r + 0.5) / (m + 0.5 * k)))) as psi
            from (select *, count(*) over () as k from pooled)
        ),
        critical(df, value) as (values {critical})
        select cast(delivery_events as bigint) as delivery_events,
               cast(reference_events as bigint) as reference_events, stats.df,
               cast(round(chi2, 2) as double) as chi2,
               cast(round(critical.value, 2) as double) as chi2_critical,
               cast(round(psi, 4) as double) as psi
        from stats join critical on stats.df = critical.df
        where chi2 > critical.value and psi >= {MIX_MIN_PSI}
    """
    return expect(
        gxe.UnexpectedRowsExpectation,
        "warn",
        "drift_event_category_mix",
        unexpected_rows_query=query,
        description=(
            f"event category mix of the {events:,} new events like the "
            f"{sum(reference.values()):,} of the {MIX_REFERENCE_DAYS} days before "
            f"(chi-square p >= {MIX_ALPHA} or PSI < {MIX_MIN_PSI})"
        ),
    )


SPECS: dict[str, KindSpec] = {
    "ga_rkxx": KindSpec(
        freshness="gxsj",
        derived={
            "_is_hukou": "(hjlb = '1')::int",
            "_age": "date_diff('year', csrq, _delivery_date)",
        },
        extra=_population_register,
    ),
    "grid_rkcj": KindSpec(freshness="collected_at", extra=_grid_collection),
    "scjg_frxx": KindSpec(
        freshness="gxsj",
        # GX has no regex operator for DuckDB: DuckDB evaluates it as a derived column
        derived={"_hydm_format_ok": r"regexp_full_match(hydm, '[A-T]([0-9]{2}([0-9]{1,2})?)?')"},
        extra=_entities,
    ),
    "ld": KindSpec(extra=_buildings),
    "zlba": KindSpec(freshness="updated_at", extra=_rental),
    "cbry": KindSpec(freshness="updated_at"),
    "jfmx": KindSpec(extra=_contributions),
    "jzff": KindSpec(extra=_assistance),
    "sjlz": KindSpec(freshness="_at", extra=_event_lifecycle),
    "rx12345": KindSpec(freshness="received_at"),
    "ggss": KindSpec(
        derived={"_ssbm_format_ok": r"regexp_full_match(ssbm, '[A-Z]{2}-[A-Z]{2}-[0-9]{6}')"},
        extra=_facilities,
    ),
    "sydj": KindSpec(freshness="updated_at", extra=_unemployment),
}


def baselines(con: Any, day: date, kinds: list[str]) -> dict[str, dict[str, object]]:
    """Measures of the deliveries before ``day``: the drift references."""
    out: dict[str, dict[str, object]] = {}
    if "ga_rkxx" in kinds:
        row = con.execute(
            """
            select avg((hjlb = '1')::int), avg(date_diff('year', csrq, _delivery_date)),
                   stddev_samp(date_diff('year', csrq, _delivery_date)), count(*)
            from raw.ga_rkxx where _delivery_date < ?
            """,
            [day],
        ).fetchone()
        if row and row[3] and row[3] >= MIN_ROWS_FOR_DRIFT:
            out["ga_rkxx"] = {"hukou_share": row[0], "mean_age": row[1], "sd_age": row[2] or 0.0}
    if "sjlz" in kinds:
        rows = con.execute(
            f"""
            select _delivery_date < ? as is_reference, {EVENT_CATEGORY} as category,
                   count(distinct event_id)
            from raw.sjlz
            where _delivery_date between ? - interval {MIX_REFERENCE_DAYS} day and ?
              and state = 'reported' and category_code is not null
            group by all
            """,
            [day, day, day],
        ).fetchall()
        reference = {r[1]: int(r[2]) for r in rows if r[0]}
        events = sum(int(r[2]) for r in rows if not r[0])
        if sum(reference.values()) >= MIN_EVENTS_FOR_MIX and events >= MIN_EVENTS_FOR_MIX:
            out["sjlz"] = {"reference": reference, "events": events}
    return out
