"""The uniqueness tests run in two passes, 64-bit hashes first (issue 15,
dbt_project/macros/test_unique.sql): a duplicated key must still fail them, NULLs
included where the test groups NULLs (a composite key's missing employer)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.dbt_helpers import dbt_test_status, run_dbt

PERSON_KEY_TEST = "unique_dim_person_person_key"
GRAIN_TEST = (
    "unique_combination_of_columns_int_contribution_rows_person_key__employer_uscc__"
    "contribution_month__insurance_type"
)


@pytest.mark.parametrize(
    ("test", "plant"),
    [
        (
            PERSON_KEY_TEST,
            "insert into internal.dim_person select * from internal.dim_person limit 1",
        ),
        (
            GRAIN_TEST,
            # two rows of one key whose employer is missing: NULL counts as one value
            "insert into staging.int_contribution_rows select one.* replace "
            "(cast(null as varchar) as employer_uscc) from "
            "(select * from staging.int_contribution_rows limit 1) as one cross join range(2)",
        ),
    ],
)
def test_a_duplicated_key_fails_the_two_pass_test(
    fixture_warehouse: Path, tmp_path: Path, test: str, plant: str
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    assert dbt_test_status(warehouse, tmp_path, test) == "pass"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(plant)
    assert dbt_test_status(warehouse, tmp_path, test) == "fail"
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "repeated_hashes" in log, "the test ran in two passes"


def test_two_passes_find_exactly_the_one_pass_groups(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """On keys with repeats, NULLs and many unique values, the macro's groups and
    counts equal a plain GROUP BY's."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    keys = (
        "(select case when i % 7 = 0 then null else 'k' || (i % 5000) end as a, "
        "case when i % 11 = 0 then null else i % 3 end as b from range(20000) as t(i))"
    )
    inline = '{{ duplicate_groups("' + keys + '", ["a", "b"], ["a", "b"], "n") }}'
    done = run_dbt(
        ["show", "--inline", inline, "--limit", "-1", "--output", "json"], warehouse, tmp_path
    )
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect() as con:
        expected = con.execute(
            f"select a, b, count(*) from {keys} group by a, b having count(*) > 1"
        ).fetchall()
    out = done.stdout
    start = out.rindex("{", 0, out.index('"show"'))
    rows = json.JSONDecoder().raw_decode(out[start:])[0]["show"]

    def order(r: tuple) -> tuple:
        return (r[0] is None, r[0] or "", r[1] is None, -1 if r[1] is None else r[1])

    got = sorted(((r["a"], r["b"], r["n"]) for r in rows), key=order)
    assert len(expected) > 100
    assert got == sorted(expected, key=order)
