"""Run the dbt project against one warehouse file, isolated from other runs.

Every run of a test session goes through one fixed *slot* path with one shared
target folder: dbt's partial parsing survives only when the profile (which
holds the warehouse path) is unchanged, and a full parse costs 8-25 s. The
warehouse file is moved into the slot for the run and back afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tests.dbt.pseudonym import session_key
from tests.privacy import internal_models

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
SESSION = Path(tempfile.gettempdir()) / f"zhiwang-dbt-tests-{os.getpid()}"
SLOT = SESSION / "slot.duckdb"


def _move(src: Path, dst: Path) -> None:
    for suffix in ("", ".wal"):
        source = src.with_name(src.name + suffix)
        if source.exists():
            shutil.move(source, dst.with_name(dst.name + suffix))


@contextmanager
def in_slot(warehouse: Path) -> Iterator[Path]:
    """``warehouse`` moved to the session's slot path for the duration."""
    SESSION.mkdir(parents=True, exist_ok=True)
    for stale in (SLOT, SLOT.with_name(SLOT.name + ".wal")):
        stale.unlink(missing_ok=True)
    _move(warehouse, SLOT)
    try:
        yield SLOT
    finally:
        _move(SLOT, warehouse)


def run_dbt(
    args: list[str], warehouse: Path, work: Path, **env: str
) -> subprocess.CompletedProcess:
    """``dbt <args>`` on ``warehouse``; logs go under ``work``, target/ is shared."""
    environ = {
        **os.environ,
        "DBT_TARGET_PATH": str(SESSION / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DO_NOT_TRACK": "1",
        "ZHIWANG_PSEUDONYM_KEY": session_key(),
        **env,
    }
    cmd = [str(DBT), *args, "--profiles-dir", str(PROJECT), "--project-dir", str(PROJECT)]
    with in_slot(warehouse) as slot:
        environ["ZHIWANG_WAREHOUSE_PATH"] = str(slot)
        return subprocess.run(
            cmd, cwd=REPO, env=environ, capture_output=True, text=True, check=False
        )


# the data-quality models (staging/dq, marts/quality) read the GX gate's `dq`
# schema, which exists only after `zhiwang validate`; these tests do not run it
NOT_OURS = ["--exclude", "source:dq+"]


def dbt_ok(args: list[str], warehouse: Path, work: Path) -> None:
    """``dbt <args>``; fails the test with dbt's output when anything errors."""
    done = run_dbt(args, warehouse, work)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def dbt_test_status(warehouse: Path, work: Path, test: str, *extra: str) -> str:
    """``dbt test --select <test>``: "fail" or "pass" (never a compilation error)."""
    done = run_dbt(["test", "--select", test, *extra], warehouse, work)
    assert "Compilation Error" not in done.stdout, done.stdout[-3000:]
    return "fail" if done.returncode else "pass"


def build(warehouse: Path, work: Path, *extra: str) -> None:
    """``dbt build``; fails the test with dbt's output when anything errors."""
    dbt_ok(["build", *NOT_OURS, *extra], warehouse, work)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def findings(warehouse: Path) -> dict[str, set[str]]:
    """rpt_cross_checks as rule → subject keys."""
    out: dict[str, set[str]] = {}
    table = f"{schema_of('rpt_cross_checks')}.rpt_cross_checks"
    for rule, key in query(warehouse, f"select rule_code, subject_key from {table}"):
        out.setdefault(rule, set()).add(key)
    return out


# the incremental models and their incremental unique_key
INCREMENTAL = {
    "int_persons_registered": "person_key",
    "int_persons_collected": "person_key",
    "int_person_channel_conflicts": "person_key",
    "int_residence_observations": "observation_key",
    "int_insured_persons_current": "person_key",
    "dim_person": "person_key",
    "int_disclosure_cells": "cell_key",
    "dim_person_public": "person_key",
    "int_person_status": "person_key",
    "fct_event": "event_id",
    "fct_event_transitions": "transition_id",
    "int_contribution_rows": "contribution_month",
    "int_contribution_deliveries": "contribution_month",
    "int_contribution_employer_months": "contribution_month",
    "int_entity_mention_days": "delivery_date",
    "int_building_code_batches": "batch_id",
    "int_event_locations": "event_id",
    "int_contributor_pseudonyms": "citizen_id",
    "fct_residence_spells": "spell_key",
    "fct_rental_filings": "filing_id",
    "int_entity_versions": "entity_version_id",
    "dim_legal_entity": "uscc",
    "dim_room": "room_code",
    "dim_building": "building_code",
}


INTERNAL = internal_models(PROJECT / "dbt_project.yml")
# intermediate models that hold plain personal data, so live in the staging schema
STAGING_SCHEMA = {"int_contributor_pseudonyms", "int_contribution_rows"}


# models built under another name (config alias)
ALIAS = {"dim_person_public": "dim_person"}


def relation_of(model: str) -> str:
    """``schema.table`` a model of this project is built as."""
    return f"{schema_of(model)}.{ALIAS.get(model, model)}"


def schema_of(model: str) -> str:
    """The schema a model of this project lands in (its layer)."""
    if model in STAGING_SCHEMA:
        return "staging"
    if model in INTERNAL:
        return "internal"
    return "intermediate" if model.startswith("int_") else "marts"


def differences(left: Path, right: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
    """Per built table: rows only in ``left``, rows only in ``right`` (EXCEPT ALL), on every
    column but the facts about the builds that written rows carry (``_written_at``, the
    build's start; ``_written_loaded_at``, the load a build wrote the row from)."""
    out = {}
    cols = "columns(lambda c: not starts_with(c, '_written'))"
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        for table in tables:
            name = relation_of(table)
            only_left = con.execute(
                f"select count(*) from (select {cols} from l.{name} "
                f"except all select {cols} from r.{name})"
            ).fetchone()[0]
            only_right = con.execute(
                f"select count(*) from (select {cols} from r.{name} "
                f"except all select {cols} from l.{name})"
            ).fetchone()[0]
            out[table] = (only_left, only_right)
    return out
