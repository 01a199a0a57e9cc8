"""Precision and recall of the golden-record matching against the generator's manifest.

The manifest names the true identity behind every planted variant
(docs/GOLDEN_RECORDS.md): ``entity_variant`` (key = the employer code as
delivered, a USCC with a wrong check character or the bare organisation code;
detail = ``true <USCC>``) and ``building_variant`` (key = the event id of a
report that names a position but no building; detail = ``true <building code>``).

Only variants that reached the warehouse can be judged: the generator also
plants them in deliveries that are never loaded (the last events delivery has
no ``_SUCCESS``). Predicted = every decision of a rule that merges something
other than an exact code (``check_character``, ``organisation_code`` in
``int_entity_matches``; ``nearest_building`` in ``int_building_matches``): a
merge that is not a planted variant counts against precision.

On a built warehouse (district scale, say), from the repository root:

    uv run --frozen python -m tests.dbt.match_quality \
        --warehouse var/warehouse/zhiwang.duckdb --ground-truth var/ground_truth
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

ENTITY_RULES = ("check_character", "organisation_code")
BUILDING_RULES = ("described_address", "nearest_building")


@dataclass(frozen=True)
class MatchQuality:
    planted: int  # planted variants that reached the warehouse
    predicted: int  # merges by a non-exact rule
    true_positives: int  # merged into the true record
    wrong_record: list[str]  # merged, but into another record
    false_merges: list[str]  # merged, and not a planted variant
    missed: list[str]  # planted, left unmatched

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 1.0

    def summary(self) -> dict:
        out = asdict(self)
        for key in ("wrong_record", "false_merges", "missed"):
            out[key] = out[key][:20]
        return {**out, "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def planted(ground_truth: Path, defect: str) -> pl.DataFrame:
    """(key, truth) of every planted variant of one kind."""
    manifest = pl.read_parquet(ground_truth / "manifest.parquet")
    out = manifest.filter(pl.col("defect") == defect).select(
        "key", pl.col("detail").str.extract(r"^true (\S+)$").alias("truth")
    )
    assert out["truth"].null_count() == 0, f"a planted {defect} without its true identity"
    return out.unique()


def _judge(truth: pl.DataFrame, decisions: pl.DataFrame) -> MatchQuality:
    """``truth``: key, truth (loaded variants); ``decisions``: key, golden, rule."""
    merged = decisions.filter(pl.col("merged"))
    joined = truth.join(decisions, on="key", how="left")
    right = joined.filter(pl.col("merged") & (pl.col("golden") == pl.col("truth")))
    wrong = joined.filter(pl.col("merged") & (pl.col("golden") != pl.col("truth")))
    missed = joined.filter(~pl.col("merged").fill_null(False))
    false = merged.join(truth, on="key", how="anti")
    return MatchQuality(
        planted=truth.height,
        predicted=merged.height,
        true_positives=right.height,
        wrong_record=sorted(wrong["key"].to_list()),
        false_merges=sorted(false["key"].to_list()),
        missed=sorted(missed["key"].to_list()),
    )


def measure_entities(warehouse: Path, ground_truth: Path) -> MatchQuality:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {
            code
            for (code,) in con.sql(
                "select distinct employer_uscc from raw.cbry where employer_uscc is not null"
            ).fetchall()
        }
        decisions = con.sql(
            f"""
            select delivered_code as key, golden_uscc as golden,
                match_rule in {ENTITY_RULES} as merged
            from intermediate.int_entity_matches
            where department = 'social_security'
            """
        ).pl()
    # one code may be delivered by both social-security sources: one decision per code
    decisions = decisions.group_by("key").agg(pl.col("golden").first(), pl.col("merged").any())
    truth = planted(ground_truth, "entity_variant").filter(pl.col("key").is_in(list(loaded)))
    return _judge(truth, decisions)


def measure_buildings(warehouse: Path, ground_truth: Path) -> MatchQuality:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {e for (e,) in con.sql("select distinct event_id from raw.sjlz").fetchall()}
        decisions = con.sql(
            f"""
            select mention_id as key, golden_building_code as golden,
                match_rule in {BUILDING_RULES} as merged
            from intermediate.int_building_matches
            where building_source = 'events' and delivered_code is null
            """
        ).pl()
    truth = planted(ground_truth, "building_variant").filter(pl.col("key").is_in(list(loaded)))
    return _judge(truth, decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--ground-truth", type=Path, required=True)
    args = parser.parse_args()
    report = {
        "entities": measure_entities(args.warehouse, args.ground_truth).summary(),
        "buildings": measure_buildings(args.warehouse, args.ground_truth).summary(),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
