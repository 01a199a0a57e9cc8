"""The weekly stewardship lists: one CSV per department that should correct its records.

Each list is that department's rows of ``internal.rpt_stewardship_queue`` (open
disagreements with another department: both values, their sources and dates,
the rule that chose the winner, the age; docs/GOLDEN_RECORDS.md), oldest
first. A deliberate internal export to the department's data stewards, never
to a dashboard: person rows name the person by their keyed pseudonym (the
department re-identifies its own record with the data office's help, not from
the file), names and phones only as pseudonyms (the file says *that* they
differ, not what they are), rooms by room code. Files are written owner-only
(0600) under ``<reports_dir>/<week_end>/stewardship/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from orchestration.locking import warehouse_lock

QUEUE = "internal.rpt_stewardship_queue"
COLUMNS = [
    "disagreement_id",
    "subject_type",
    "subject_key",
    "attribute_name",
    "value_a",
    "source_a",
    "dated_a",
    "value_b",
    "source_b",
    "dated_b",
    "winning_source",
    "decision_rule",
    "correcting_department",
    "opened_on",
    "age_days",
    "as_of_date",
]


def read_queue(warehouse: Path) -> pl.DataFrame:
    """The open disagreements, oldest first, under the warehouse lock (read-only)."""
    with warehouse_lock(warehouse), duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select {', '.join(COLUMNS)} from {QUEUE} "
            "order by correcting_department, age_days desc, subject_type, attribute_name, "
            "subject_key, disagreement_id"
        ).pl()


def write_stewardship_csvs(warehouse: Path, out_dir: Path) -> dict[str, Path]:
    """One ``stewardship_<department>.csv`` per department with open disagreements
    (an earlier week's folder is left as it was); returns department → file."""
    queue = read_queue(warehouse)
    folder = out_dir / "stewardship"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for (department,), part in queue.group_by("correcting_department", maintain_order=True):
        path = folder / f"stewardship_{department}.csv"
        tmp = path.with_name(f".tmp-{path.name}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            # UTF-8 with BOM: the departments open it in Excel
            handle.write("\ufeff".encode())
            part.write_csv(handle)
        os.replace(tmp, path)
        written[str(department)] = path
    return written
