"""Privacy of a real tiny run (docs/PRIVACY.md): no key on disk, nothing published re-identifies.

One tiny chain (generate → ingest → gates → dbt build → publish, the steps the
Airflow DAGs run: tests/superset/build_serving.py) under a fresh random
pseudonym key given only through the environment; then:

- no file under its var dir (warehouse, raw Parquet, dbt target/ and logs, GX
  results, serving copy) nor dbt_project/target holds the key;
- the published person mart is k-anonymous on what it shows;
- no published count of persons lies in (0, threshold) and no withheld cell
  is recoverable from its row or its parent (orchestration.disclosure.audit);
- no exact quasi-identifier leaves the warehouse; the weekly brief's figures
  are protected too.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.disclosure import PUBLISHED_QI, audit, read_rules, small_counts, uniqueness
from tests.privacy import files_containing
from zhiwang.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
K = 5


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    var = tmp_path_factory.mktemp("privacy-var")
    key = "zw-test-" + secrets.token_hex(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIWANG_")}
    env["ZHIWANG_PSEUDONYM_KEY"] = key
    env["ZHIWANG_DISCLOSURE_THRESHOLD"] = str(K)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.superset.build_serving", str(var)],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert key not in proc.stdout + proc.stderr
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    return var, built, key


def test_the_pseudonym_key_is_in_no_file(tiny_run) -> None:
    var, _built, key = tiny_run
    assert (var / "dbt" / "target" / "manifest.json").exists(), "no dbt target to search"
    assert list((var / "dbt" / "logs").glob("*.log")), "no dbt log to search"
    roots = [var] + [p for p in [PROJECT_ROOT / "dbt_project" / "target"] if p.exists()]
    assert files_containing(roots, key) == []
    # the search works: the key written to a file is found
    (var / "planted.txt").write_text(f"x{key}x")
    try:
        assert files_containing([var], key) == [var / "planted.txt"]
    finally:
        (var / "planted.txt").unlink()


def test_the_published_person_mart_is_k_anonymous(tiny_run) -> None:
    _var, built, _key = tiny_run
    with duckdb.connect(built["serving"], read_only=True) as con:
        measured = uniqueness(con, "marts.dim_person", PUBLISHED_QI, K)
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns").fetchall()}  # fmt: skip
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}  # fmt: skip
    assert measured["rows"] > 1000
    assert measured["smallest_class"] >= K, measured
    assert schemas == {"marts"}, "internal (exact quasi-identifiers) is never published"
    exact = {"birth_date", "residence_room_code", "residence_building_code", "room_code",
             "employer_uscc", "ethnicity_code", "residence_since",
             "collected_grid_code"}  # fmt: skip
    assert columns & exact <= {"room_code"}, columns & exact
    with duckdb.connect(built["serving"], read_only=True) as con:
        # room_code only in housing tables without persons
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.columns "
            "where column_name in ('room_code', 'person_key')").fetchall()}  # fmt: skip
    assert tables <= {"dim_room", "dim_person"}, tables
    # the build's bookkeeping (when a person's row was last rewritten) stays behind
    with duckdb.connect(built["warehouse"], read_only=True) as con:
        kept = con.execute(
            "select count(*) from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'dim_person' and column_name = '_written_at'"
        ).fetchone()
    assert kept == (1,)
    assert not [c for c in columns if c.startswith("_")], columns


def test_no_published_person_count_is_small_or_recoverable(tiny_run) -> None:
    _var, built, _key = tiny_run
    with duckdb.connect(built["warehouse"], read_only=True) as con:
        rules = read_rules(con)
        small_in_warehouse, _ = small_counts(con, rules, K)
    assert small_in_warehouse > 0, "tiny data has small counts: the test would prove nothing"
    with duckdb.connect(built["serving"], read_only=True) as con:
        small, cells = small_counts(con, rules, K)
        problems = audit(con, rules, "marts", K)
    assert cells > 0 and small == 0
    assert problems == []


def test_the_weekly_brief_shows_no_small_count_of_persons(tiny_run) -> None:
    from orchestration.brief.data import TABLES, read_brief_data

    _var, built, _key = tiny_run
    data = read_brief_data(Path(built["serving"]), date(2026, 10, 7), K)
    checked = 0
    for sections in data.sections_by_street.values():
        for section in sections:
            if section.frame is None:
                continue
            for column in section.protected:
                if column.endswith("_share") or column not in section.frame.columns:
                    continue
                values = [v for v in section.frame[column].to_list() if v is not None]
                checked += len(values)
                assert not [v for v in values if 0 < v < K], (section.title, column)
    assert checked > 0
    # and every table section of the district's brief has rows on the tiny run
    district = {section.key: section for section in data.sections_by_street[None]}
    for table in TABLES:
        frame = district[table.key].frame
        assert frame is not None and frame.height > 0, table.key
