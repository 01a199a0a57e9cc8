"""Population projection, shortfall and backtest on generated data (docs/PROJECTIONS.md).

The tiny test reads the session's tiny warehouse (generator -> ingest -> dbt
build). The larger one generates the `small` scale (~110,000 persons) itself:
run it alone, under the heavy-run lock (`flock /tmp/zhiwang-heavy.lock uv run
--frozen pytest tests/dbt/test_projections.py -m slow -k small -s`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TINY_DAYS, TINY_START
from tests.dbt.dbt_helpers import build, dbt_ok, query
from zhiwang.settings import Settings

pytestmark = pytest.mark.slow

# the target: mean absolute percentage error at street level
STREET_MAPE_TARGET = 5.0


def backtest(warehouse: Path) -> dict:
    """Street-level MAPE (total and per age band), the district's error, per-street errors."""
    per_street = dict(
        query(
            warehouse,
            "select street_name, abs_pct_error from marts.rpt_projection_backtest "
            "where unit_level = 'street' and age_group = 'all' order by street_code",
        )
    )
    by_band = dict(
        query(
            warehouse,
            "select age_group, avg(abs_pct_error) from marts.rpt_projection_backtest "
            "where unit_level = 'street' and not is_total group by age_group, age_from "
            "order by age_from nulls last",
        )
    )
    district = dict(
        query(
            warehouse,
            "select age_group, abs_pct_error from marts.rpt_projection_backtest "
            "where unit_level = 'district'",
        )
    )
    return {
        "street_mape": sum(per_street.values()) / len(per_street),
        "per_street": per_street,
        "street_mape_by_band": by_band,
        "district": district,
    }


def _report(figures: dict) -> None:
    print(f"\nstreet-level MAPE (totals): {figures['street_mape']:.2f} %")
    print("per street:", {k: round(v, 2) for k, v in figures["per_street"].items()})
    bands = figures["street_mape_by_band"]
    print("street MAPE by band:", {k: round(v or 0, 2) for k, v in bands.items()})
    print("district by band:", {k: round(v or 0, 2) for k, v in figures["district"].items()})


def _check_backtest(warehouse: Path) -> None:
    figures = backtest(warehouse)
    _report(figures)
    assert figures["street_mape"] <= STREET_MAPE_TARGET, figures
    assert figures["district"]["all"] <= STREET_MAPE_TARGET, figures
    # the comparison is with the one managed population at the as-of date
    (observed,) = query(
        warehouse,
        "select observed_persons from marts.rpt_projection_backtest "
        "where unit_level = 'district' and age_group = 'all'",
    )[0]
    (managed,) = query(
        warehouse, "select count(*) from internal.fct_person_status where is_managed"
    )[0]
    assert observed == managed


def test_backtest_meets_the_street_level_target_on_tiny_data(tiny_built: Settings) -> None:
    _check_backtest(tiny_built.warehouse)


def test_the_chained_projection_equals_the_unrolled_one(
    tiny_built: Settings, tmp_path: Path
) -> None:
    """Spark's form of the projection years (macros/projection.sql
    projection_step_chained: one chain that reads each year once), run on DuckDB
    with the var projection_chained, gives the unrolled CTEs' figures: the same
    keys and columns, persons within 1e-9 relative (doubles summed in another order)."""
    chained = tmp_path / "chained.duckdb"
    shutil.copy(tiny_built.warehouse, chained)
    dbt_ok(
        [
            "run",
            *("--select", "rpt_population_projection"),
            *("--vars", "{projection_chained: true}"),
        ],
        chained,
        tmp_path,
    )
    with duckdb.connect(str(chained)) as con:
        con.execute(f"attach '{tiny_built.warehouse}' as unrolled (read_only)")
        rows, differing = con.execute(
            """select count(*), count(*) filter (where
                   a.projection_key is null or b.projection_key is null
                   or (a.unit_level, a.unit_code, a.street_code, a.community_code, a.base_date,
                       a.projection_year, a.projection_date, a.sex, a.age_years)
                      is distinct from
                      (b.unit_level, b.unit_code, b.street_code, b.community_code, b.base_date,
                       b.projection_year, b.projection_date, b.sex, b.age_years)
                   or abs(a.projected_persons - b.projected_persons)
                      > 1e-9 * greatest(abs(b.projected_persons), 1e-9))
               from marts.rpt_population_projection as a
               full join unrolled.marts.rpt_population_projection as b
                   on a.projection_key = b.projection_key"""
        ).fetchall()[0]
    assert rows > 1000
    assert differing == 0


def test_every_community_has_every_service_and_year(tiny_built: Settings) -> None:
    (communities,) = query(
        tiny_built.warehouse,
        "select count(*) from marts.dim_community "
        "where is_current and district_code = '440306000000'",
    )[0]
    rows = query(
        tiny_built.warehouse,
        "select service, projection_year, count(*) from marts.rpt_service_shortfall group by all",
    )
    assert {(s, y) for s, y, _ in rows} == {
        (s, y)
        for s in ("elderly_beds", "childcare_places", "primary_seats", "junior_seats")
        for y in range(6)
    }
    assert {n for _, _, n in rows} == {communities}


def test_capacity_counts_facilities_under_construction_from_their_opening_date(
    tiny_built: Settings,
) -> None:
    """Year by year, the shortfall mart's capacity = open capacity + the planned capacity
    of facilities under construction whose opening date has come (from dim_facility)."""
    expected = query(
        tiny_built.warehouse,
        """with years as (select distinct projection_year, projection_date
                          from marts.rpt_service_shortfall),
                ratios as (select * from reference.service_demand_ratios where is_demand_basis)
           select r.service, y.projection_year, sum(f.rated_capacity),
                  sum(case when f.facility_status = 'under_construction'
                      then f.rated_capacity else 0 end)
           from marts.dim_facility as f
           join ratios as r on f.facility_type = r.facility_type
                and f.capacity_unit = r.capacity_unit
           cross join years as y
           where f.is_in_latest_snapshot and (f.facility_status = 'operating'
                 or (f.facility_status = 'under_construction' and f.opens_on <= y.projection_date
                     and y.projection_year > 0))
           group by all having sum(f.rated_capacity) > 0 order by all""",
    )
    got = query(
        tiny_built.warehouse,
        """select service, projection_year, sum(capacity), sum(capacity_under_construction)
           from marts.rpt_service_shortfall where capacity > 0 group by all order by all""",
    )
    assert got == expected
    # the operating elderly-care beds are the plan indicator's institutional beds
    (beds,) = query(
        tiny_built.warehouse,
        "select sum(capacity) from marts.rpt_service_shortfall "
        "where service = 'elderly_beds' and projection_year = 0",
    )[0]
    (open_beds,) = query(
        tiny_built.warehouse,
        "select sum(rated_capacity) from marts.dim_facility "
        "where is_open and facility_type = 'elderly_care_home' and is_elderly_care_beds",
    )[0]
    assert beds == open_beds


def test_backtest_meets_the_street_level_target_at_small_scale(tmp_path: Path) -> None:
    """~110,000 persons, 11 streets: the same target where cells are ten times larger."""
    from generator.api import generate
    from ingest.api import ingest

    settings = Settings(var_dir=tmp_path / "var")
    generate(
        settings.landing,
        settings.ground_truth,
        scale="small",
        seed=42,
        start=TINY_START,
        days=TINY_DAYS,
        dirt=1.0,
    )
    ingest(settings)
    build(
        settings.warehouse,
        tmp_path,
        *("--select", "+rpt_projection_backtest", "--indirect-selection", "cautious"),
    )
    _check_backtest(settings.warehouse)
