"""The independent truth test (issue 12): the headline numbers of the
dashboards and the brief, recomputed straight from the landing files with
plain polars (tests/truth/landing.py: no ingest, generator or dbt code), must
equal the marts exactly.

Default run: the session's tiny delivery set (7 days), built once by dbt.
Slow: the issue's own configuration (tiny, 3 days: a quarantined building row
leaves its residents without a grid) and the larger ``small`` scale.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import TinyPipeline
from tests.truth.landing import HOME_DISTRICT, age_bands, headline_figures, plan_figures

COUNTS = [
    "managed_population", "unlocated_population", "hukou_count", "elderly_60_plus_count",
    "unknown_age_count", "working_age_count", "insured_working_age_count", "insured_count",
    "current_rental_filing_count", "ended_but_marked_active_count", "active_entity_count",
]  # fmt: skip
SHARES = {
    "hukou_share": ("hukou_count", "managed_population"),
    "elderly_60_plus_share": ("elderly_60_plus_count", "managed_population"),
    "insured_working_age_share": ("insured_working_age_count", "working_age_count"),
}


def _marts(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def _mismatches(truth: pl.DataFrame, marts: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    values = [c for c in truth.columns if c not in keys]
    joined = truth.join(marts, on=keys, how="full", suffix="_mart", coalesce=True)

    def value(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64).fill_null(-1)

    differs = pl.any_horizontal([value(c) != value(f"{c}_mart") for c in values])
    return joined.filter(differs)


def check_truth(landing: Path, warehouse: Path) -> pl.DataFrame:
    """Compare every headline number; returns the truth figures (district first)."""
    truth, population_as_of, rental_as_of = headline_figures(landing)
    marts = _marts(warehouse, "select * from marts.rpt_headline_figures")
    assert marts.height, "rpt_headline_figures is empty"
    assert set(marts["population_as_of"]) == {population_as_of}
    assert set(marts["rental_as_of"]) == {rental_as_of}

    # 1. every count of rpt_headline_figures, per street and for the district
    missed = _mismatches(truth, marts.select("unit_level", "unit_code", *COUNTS),
                         ["unit_level", "unit_code"])  # fmt: skip
    assert missed.height == 0, f"headline figures differ from the landing files:\n{missed}"
    # ... and its shares are exactly the ratios of the true counts
    for share, (num, den) in SHARES.items():
        want = truth.select(
            "unit_level", "unit_code",
            (pl.col(num).cast(pl.Float64) / pl.col(den).cast(pl.Float64)).alias(share),
        )  # fmt: skip
        missed = _mismatches(want, marts.select("unit_level", "unit_code", share),
                             ["unit_level", "unit_code"])  # fmt: skip
        assert missed.height == 0, f"{share} differs:\n{missed}"

    # 2. the dashboards' population mart (overview, map, brief): latest month
    # = the as-of date, per street and for the district
    structure = _marts(
        warehouse,
        """select unit_level, unit_code, managed_count as managed_population,
                  hukou_count, elderly_60_plus_count
           from marts.rpt_population_structure
           where month_start = (select max(month_start) from marts.rpt_population_structure)
             and unit_level in ('street', 'district')""",
    )
    wanted = truth.filter(pl.col("managed_population") > 0).select(
        "unit_level", "unit_code", "managed_population", "hukou_count", "elderly_60_plus_count"
    )
    missed = _mismatches(wanted, structure, ["unit_level", "unit_code"])
    assert missed.height == 0, f"rpt_population_structure differs:\n{missed}"

    # 3. the social-security dashboard's coverage (summed over its communities)
    coverage = _marts(
        warehouse,
        f"""select 'district' as unit_level, '{HOME_DISTRICT}000000' as unit_code,
                   sum(resident_count) as managed_population,
                   sum(working_age_count) as working_age_count,
                   sum(insured_working_age_count) as insured_working_age_count
            from marts.rpt_social_security""",
    )
    wanted = truth.filter(pl.col("unit_level") == "district").select(
        "unit_level", "unit_code", "managed_population", "working_age_count",
        "insured_working_age_count",
    )  # fmt: skip
    missed = _mismatches(wanted, coverage, ["unit_level", "unit_code"])
    assert missed.height == 0, f"rpt_social_security differs:\n{missed}"

    # 4. the age pyramid: unknown ages are their own band, never negative
    pyramid = _marts(
        warehouse,
        "select sex, age_band, sum(person_count) as person_count from marts.rpt_age_pyramid "
        "group by all",
    )
    missed = _mismatches(age_bands(landing), pyramid, ["sex", "age_band"])
    assert missed.height == 0, f"rpt_age_pyramid differs:\n{missed}"
    assert not pyramid["age_band"].str.starts_with("-").any()

    # 5. the plan indicators the facilities and unemployment feeds measure (district)
    district = truth.filter(pl.col("unit_level") == "district").row(0, named=True)
    wanted_plan = plan_figures(landing, district)
    measured = dict(
        _marts(
            warehouse,
            "select indicator_code, measured_value from marts.rpt_plan_indicators "
            "where unit_level = 'district'",
        ).iter_rows()
    )
    differs = {k: (v, measured.get(k)) for k, v in wanted_plan.items() if measured.get(k) != v}
    assert not differs, f"plan indicators differ (truth, mart): {differs}"
    return truth.sort("unit_level", "unit_code")


def check_planted_deletes(ground_truth: Path, warehouse: Path) -> None:
    """Every person the generator deleted upstream (after the grid team last
    saw them) is no longer managed: residence by time, not by channel."""
    from tests.dbt.pseudonym import pseudonym

    manifest = pl.read_parquet(ground_truth / "manifest.parquet").filter(
        (pl.col("defect") == "upstream_delete") & (pl.col("feed") == "population")
    )
    keys = [pseudonym(k) for k in manifest["key"].to_list()]
    assert keys, "the generator planted no upstream deletes"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        managed = con.execute(
            "select count(*) from internal.fct_person_status "
            "where is_managed and person_key in (select unnest(?))",
            [keys],
        ).fetchall()[0][0]
    assert managed == 0, f"{managed} of {len(keys)} persons deleted upstream still counted"


@pytest.fixture(scope="module")
def tiny_marts(tiny_pipeline: TinyPipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.dbt.dbt_helpers import build

    warehouse = tiny_pipeline.settings.warehouse
    build(warehouse, tmp_path_factory.mktemp("truth-dbt"))
    return warehouse


def test_headline_numbers_equal_the_landing_files(
    tiny_pipeline: TinyPipeline, tiny_marts: Path
) -> None:
    truth = check_truth(tiny_pipeline.settings.landing, tiny_marts)
    check_planted_deletes(tiny_pipeline.settings.ground_truth, tiny_marts)
    district = truth.filter(pl.col("unit_level") == "district").row(0, named=True)
    assert district["managed_population"] > 10_000
    # the 61 filings still marked active whose lease has ended are not current
    assert district["ended_but_marked_active_count"] > 0


def _generated_marts(var: Path, scale: str, days: int, seed: int) -> Path:
    from generator.api import generate
    from ingest.api import ingest
    from tests.dbt.dbt_helpers import build
    from zhiwang.settings import Settings

    settings = Settings(var_dir=var)
    generate(settings.landing, settings.ground_truth, scale=scale, seed=seed,
             start=date(2026, 10, 1), days=days, dirt=1.0)  # fmt: skip
    ingest(settings)
    build(settings.warehouse, var / "dbt")
    return settings.warehouse


@pytest.mark.slow
@pytest.mark.parametrize(("scale", "days", "seed"), [("tiny", 3, 42), ("small", 7, 42)])
def test_headline_numbers_equal_the_landing_files_slow(
    tmp_path: Path, scale: str, days: int, seed: int
) -> None:
    warehouse = _generated_marts(tmp_path / "var", scale, days, seed)
    truth = check_truth(tmp_path / "var" / "landing", warehouse)
    check_planted_deletes(tmp_path / "var" / "ground_truth", warehouse)
    if (scale, days) == ("tiny", 3):
        # the run: one quarantined building row; its residents are
        # counted on the unlocated grid of their community, not dropped
        district = truth.filter(pl.col("unit_level") == "district").row(0, named=True)
        assert district["unlocated_population"] > 0
