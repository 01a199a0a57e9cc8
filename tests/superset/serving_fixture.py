"""A small serving DuckDB file shaped like the published marts.

The dashboards are developed and tested against this file so that the
Superset plumbing (roles, RLS, rendering) is checked without a dbt build.
Numbers are random but internally consistent per row; codes and names are the
real Bao'an NBS divisions, grids are real H3 res-9 cells around each community.
Also holds ``raw`` and ``staging`` schemas, so a test can prove Superset
cannot reach them even when they sit in the same file.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import h3
import numpy as np

REPO = Path(__file__).resolve().parents[2]
DIVISIONS = REPO / "seeds" / "reference" / "admin_divisions_shenzhen.csv"
BAOAN = "440306000000"
# Rough centre of Bao'an; the fixture only needs plausible, non-overlapping cells.
CENTRE = (22.62, 113.85)
MONTHS = [date(2026, m, 1) for m in range(1, 11)]
DEPARTMENTS = ["城管局", "住建局", "公安分局", "应急管理局", "民政局"]
CATEGORIES = ["市容环境", "街面秩序", "施工管理", "矛盾纠纷", "安全隐患"]
FEEDS = ["population", "legal_entities", "housing", "social_security", "events"]
RULES = [
    ("assist_recipient_legal_rep", "低保对象为在营企业法人"),
    ("assist_recipient_high_base", "低保对象缴费基数偏高"),
    ("insured_without_residence", "参保无居住登记"),
    ("entity_without_building", "法人地址无对应楼栋"),
    ("building_entities_exceed_rooms", "楼栋法人数超过房间数"),
]
INDICATORS = [
    ("elderly_beds_per_1000", "每千名户籍老人养老床位", 30.0, ">="),
    ("social_orgs_per_10000", "每万人社会组织数", 6.0, ">="),
    ("social_workers_per_10000", "每万人社工数", 12.0, ">="),
    ("insurance_coverage_pct", "社保覆盖率(%)", 100.0, ">="),
    ("registered_unemployment_pct", "登记失业率(%)", 3.0, "<="),
]


def _divisions(streets: int, communities_per_street: int) -> list[dict[str, str]]:
    with DIVISIONS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = {row["code12"]: row["name"] for row in rows}
    street_codes = [r["code12"] for r in rows if r["parent_code12"] == BAOAN][:streets]
    out = []
    for street in street_codes:
        children = [r for r in rows if r["parent_code12"] == street][:communities_per_street]
        for community in children:
            out.append(
                {
                    "street_code": street,
                    "street_name": names[street],
                    "community_code": community["code12"],
                    "community_name": community["name"],
                }
            )
    return out


def build_serving_fixture(
    path: Path,
    streets: int = 3,
    communities_per_street: int = 3,
    grids_per_community: int = 4,
    event_months: int = 4,
) -> Path:
    """Write the fixture serving file at ``path`` (replacing it) and return it."""
    rng = np.random.default_rng(7)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    communities = _divisions(streets, communities_per_street)
    needed = len(communities) * grids_per_community
    radius = next(r for r in range(200) if 3 * r * (r + 1) + 1 >= needed)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(*CENTRE, 9), radius))
    grids = []
    for c_index, community in enumerate(communities):
        for g in range(grids_per_community):
            cell = cells[c_index * grids_per_community + g]
            boundary = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
            managed = int(rng.integers(800, 9000))
            grids.append(
                {
                    **community,
                    "grid_code": f"{community['community_code']}{g + 1:03d}",
                    "h3_cell": cell,
                    "grid_polygon": json.dumps(boundary),
                    "area_km2": round(h3.cell_area(cell, unit="km^2"), 4),
                    "managed_population": managed,
                    "resident_population": int(managed * 0.9),
                    "hukou_population": int(managed * rng.uniform(0.08, 0.2)),
                    "aged_60_plus": int(managed * rng.uniform(0.03, 0.08)),
                    "events": int(rng.integers(5, 200)),
                    "service_pressure": round(float(rng.uniform(0.2, 2.5)), 2),
                }
            )
    con = duckdb.connect(str(path))
    try:
        _write_marts(con, rng, communities, grids, event_months)
        # Layers that must stay invisible to Superset users.
        con.execute("create schema raw; create schema staging")
        con.execute("create table raw.population as select 'secret' as citizen_id")
        con.execute("create table staging.stg_population as select 'secret' as citizen_id")
    finally:
        con.close()
    return path


def _table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    import pyarrow as pa

    frame = pa.Table.from_pylist(rows)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(f"create table marts.{name} as select * from frame")


def _write_marts(con, rng, communities, grids, event_months) -> None:
    con.execute("create schema marts")
    _table(
        con,
        "rpt_population_by_grid",
        [
            {
                **{k: g[k] for k in ("street_code", "street_name", "community_code")},
                "community_name": g["community_name"],
                "grid_code": g["grid_code"],
                "h3_cell": g["h3_cell"],
                "grid_polygon": g["grid_polygon"],
                "area_km2": g["area_km2"],
                "managed_population": g["managed_population"],
                "resident_population": g["resident_population"],
                "hukou_population": g["hukou_population"],
                "aged_60_plus": g["aged_60_plus"],
                "population_density": round(g["managed_population"] / g["area_km2"], 1),
                "events_per_1000": round(1000 * g["events"] / g["managed_population"], 2),
                "service_pressure": g["service_pressure"],
            }
            for g in grids
        ],
    )
    monthly = []
    for c in communities:
        base = int(rng.integers(20_000, 60_000))
        for i, month in enumerate(MONTHS):
            inflow, outflow = int(rng.integers(200, 900)), int(rng.integers(150, 800))
            monthly.append(
                {
                    **c,
                    "month": month,
                    "managed_population": base + 60 * i,
                    "inflow": inflow,
                    "outflow": outflow,
                }
            )
    _table(con, "rpt_population_monthly", monthly)
    # Events at district scale are ~10^6 rows: generated in SQL, not Python.
    con.execute("select setseed(0.7)")
    con.execute(
        """
        create table marts.rpt_event_closed_loop as
        with grid as (
            select distinct street_code, street_name, community_code, community_name, grid_code
            from marts.rpt_population_by_grid
        ),
        month as (select unnest(?::date[]) as month),
        department as (select unnest(?::varchar[]) as department),
        category as (select unnest(?::varchar[]) as category),
        drawn as (
            select grid.*, month, department, category,
                   1 + floor(random() * 30)::bigint as events, random() as closure
            from grid, month, department, category
        ),
        closed as (select *, floor(events * (0.6 + 0.4 * closure))::bigint as closed from drawn)
        select * exclude (closure),
               floor(closed * (0.7 + 0.3 * random()))::bigint as closed_on_time,
               floor((events - closed) * random())::bigint as overdue_backlog,
               round(closed * (4 + 56 * random()), 1) as handling_hours
        from closed
        """,
        [MONTHS[-event_months:], DEPARTMENTS, CATEGORIES],
    )
    indicators, social, findings, housing = [], [], [], []
    for c in communities:
        for code, name, target, op in INDICATORS:
            value = round(float(target * rng.uniform(0.6, 1.4)), 2)
            met = value >= target if op == ">=" else value <= target
            indicators.append(
                {
                    **c,
                    "indicator_code": code,
                    "indicator_name": name,
                    "value": value,
                    "target": target,
                    "comparator": op,
                    "status": "达标" if met else "未达标",
                }
            )
        working = int(rng.integers(10_000, 40_000))
        social.append(
            {
                **c,
                "working_age_residents": working,
                "insured_residents": int(working * rng.uniform(0.7, 1.0)),
                "employers": int(rng.integers(200, 900)),
                "employers_with_arrears": int(rng.integers(0, 40)),
                "arrears_amount": round(float(rng.uniform(0, 2e6)), 2),
                "assistance_recipients": int(rng.integers(10, 120)),
                "assistance_amount": round(float(rng.uniform(1e4, 2e5)), 2),
            }
        )
        for code, name in RULES:
            findings.append(
                {**c, "rule_code": code, "rule_name": name, "findings": int(rng.integers(0, 25))}
            )
        buildings = int(rng.integers(200, 1500))
        housing.append(
            {
                **c,
                "buildings": buildings,
                "urban_village_buildings": int(buildings * rng.uniform(0.3, 0.8)),
                "rooms": buildings * 20,
                "rental_rooms": buildings * 12,
                "tenants": buildings * 25,
                "overcrowded_rooms": int(rng.integers(0, 300)),
                "hazard_buildings": int(rng.integers(0, 30)),
                "residents_in_hazard_buildings": int(rng.integers(0, 900)),
            }
        )
    _table(con, "rpt_indicators_vs_targets", indicators)
    _table(con, "rpt_social_security_coverage", social)
    _table(con, "rpt_cross_check_findings", findings)
    _table(con, "rpt_housing_by_community", housing)
    _table(
        con,
        "rpt_data_quality_feeds",
        [
            {
                "feed": feed,
                "latest_delivery_date": date(2026, 10, 7 - i % 2),
                "deliveries": 7,
                "blocked_deliveries": int(i == 2),
                "received_rows": 10_000 * (i + 1),
                "quarantined_rows": 37 * (i + 1),
                "expectation_pass_rate": round(1 - 0.02 * i, 3),
                "data_docs_url": f"/data_docs/{feed}/index.html",
            }
            for i, feed in enumerate(FEEDS)
        ],
    )


if __name__ == "__main__":
    import sys

    print(build_serving_fixture(Path(sys.argv[1])))
