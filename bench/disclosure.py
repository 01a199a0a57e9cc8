"""Re-identification risk of what is published: k-anonymity of the person mart, small counts.

    uv run python bench/disclosure.py [--var-dir VAR] [--warehouse W] [--serving S] [--k 5]

Reads a built warehouse and its serving copy (defaults: the Settings' paths
under ``--var-dir`` / ZHIWANG_VAR_DIR) and prints, for the person rows:

- before: the quasi-identifiers ``marts.dim_person`` used to publish, read from
  ``internal.dim_person`` (exact birth date, sex, ethnicity, hukou, room,
  building, grid, community, move-in date, employer), and the attack's own
  triple (birth date, sex, room);
- after: the published ``marts.dim_person`` of the serving copy (disclosure
  level + every quasi-identifier it still shows),

each as the share of rows unique on them (k = 1) and the share in classes
smaller than k, plus the published person counts in ``(0, k)`` in the
warehouse's declared marts (what the serving copy held before disclosure
control) and in the serving copy (after), and any finding of
``orchestration.disclosure.audit``. The ratios are the measure: no timing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.disclosure import (
    PUBLISHED_QI,
    audit,
    read_rules,
    small_counts,
    uniqueness,
)
from zhiwang.settings import Settings

BEFORE_QI = ["sex", "birth_date", "ethnicity_code", "is_hukou", "residence_room_code",
             "residence_building_code", "residence_grid_code", "residence_community_code",
             "collected_grid_code", "residence_since", "employer_uscc"]  # fmt: skip
ATTACK_QI = ["birth_date", "sex", "residence_room_code"]


def _line(label: str, m: dict) -> str:
    return (
        f"{label:<58} rows {m['rows']:>9,}  unique {m['unique_share']:7.2%}  "
        f"below k {m['below_k_share']:7.2%}  smallest class {m['smallest_class']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=None)
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--serving", type=Path, default=None)
    parser.add_argument(
        "--k", type=int, default=None, help="default: Settings.disclosure_threshold"
    )
    args = parser.parse_args()
    settings = Settings(var_dir=args.var_dir) if args.var_dir else Settings()
    warehouse = args.warehouse or settings.warehouse
    serving = args.serving or settings.serving
    k = args.k or settings.disclosure_threshold
    print(f"warehouse {warehouse}\nserving   {serving}\nk = {k}\n")
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        before = uniqueness(wh, "internal.dim_person", BEFORE_QI, k)
        attack = uniqueness(wh, "internal.dim_person", ATTACK_QI, k)
        rules = read_rules(wh)
        small_before, cells_before = small_counts(wh, rules, k)
    with duckdb.connect(str(serving), read_only=True) as sv:
        after = uniqueness(sv, "marts.dim_person", PUBLISHED_QI, k)
        levels = sv.execute(
            "select disclosure_level, count(*) from marts.dim_person group by 1 order by 1"
        ).fetchall()
        small_after, cells_after = small_counts(sv, rules, k)
        problems = audit(sv, rules, "marts", k)
    print("person rows, quasi-identifiers")
    print(_line("before: dim_person as published until now (11 QIs)", before))
    print(_line("before: birth date + sex + room only", attack))
    print(_line("after: published marts.dim_person", after))
    print("after: persons per disclosure level " + ", ".join(f"{lv}: {n:,}" for lv, n in levels))
    print("\nperson counts in the declared marts")
    print(f"before (warehouse marts, published as they were): {small_before:,} of "
          f"{cells_before:,} cells in (0, {k})")  # fmt: skip
    print(f"after (serving copy): {small_after:,} of {cells_after:,} published cells in (0, {k}); "
          f"audit: {problems or 'clean'}")  # fmt: skip


if __name__ == "__main__":
    main()
