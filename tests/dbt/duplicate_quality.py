"""Precision and recall of duplicate-incident detection against the generator's manifest.

The manifest lists every planted duplicate (``duplicate_incident``, key = the
duplicate's event id, detail = ``same incident as <original>``). Only pairs
whose two events were both loaded can be judged (the generator also plants
duplicates in deliveries that are incomplete or after the last one). Predicted
= every row of ``marts.fct_event_duplicates`` (merged by the source or found by
the rule).

On a built warehouse (district scale, say), from the repository root:

    uv run --frozen python -m tests.dbt.duplicate_quality \
        --warehouse var/warehouse/zhiwang.duckdb --ground-truth var/ground_truth
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl


@dataclass(frozen=True)
class DuplicateQuality:
    planted: int  # planted duplicates with both events loaded
    predicted: int  # rows of fct_event_duplicates
    true_positives: int
    right_original: int  # true positives that also name the planted original
    false_positives: list[str]
    missed: list[str]

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 1.0

    def summary(self) -> dict:
        out = asdict(self)
        out["false_positives"] = out["false_positives"][:20]
        out["missed"] = out["missed"][:20]
        return {**out, "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def planted_pairs(ground_truth: Path) -> pl.DataFrame:
    """(event_id, original_event_id) of every planted duplicate."""
    manifest = pl.read_parquet(ground_truth / "manifest.parquet")
    pairs = manifest.filter(pl.col("defect") == "duplicate_incident").select(
        pl.col("key").alias("event_id"),
        pl.col("detail").str.extract(r"same incident as (\S+)").alias("original_event_id"),
    )
    assert pairs["original_event_id"].null_count() == 0, "a planted duplicate without its original"
    return pairs


def measure(warehouse: Path, ground_truth: Path) -> DuplicateQuality:
    pairs = planted_pairs(ground_truth)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = set(con.sql("select event_id from marts.fct_event").pl()["event_id"].to_list())
        found = con.sql(
            "select event_id, duplicate_of_event_id from marts.fct_event_duplicates"
        ).pl()
    judged = pairs.filter(
        pl.col("event_id").is_in(list(loaded)) & pl.col("original_event_id").is_in(list(loaded))
    )
    truth = dict(judged.iter_rows())
    predicted = dict(found.iter_rows())
    hits = truth.keys() & predicted.keys()
    return DuplicateQuality(
        planted=len(truth),
        predicted=len(predicted),
        true_positives=len(hits),
        right_original=sum(1 for e in hits if predicted[e] == truth[e]),
        false_positives=sorted(predicted.keys() - truth.keys()),
        missed=sorted(truth.keys() - predicted.keys()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("var/warehouse/zhiwang.duckdb"))
    parser.add_argument("--ground-truth", type=Path, default=Path("var/ground_truth"))
    args = parser.parse_args()
    print(json.dumps(measure(args.warehouse, args.ground_truth).summary(), indent=2))


if __name__ == "__main__":
    main()
