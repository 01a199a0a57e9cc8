"""HMAC-SHA256 pseudonyms: one implementation, the key only in the environment (docs/PRIVACY.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.dbt_helpers import SESSION, run_dbt
from tests.dbt.pseudonym import session_key
from tests.privacy import files_containing
from zhiwang import pseudonym as zp

STORED = "select fingerprint from internal.pseudonym_key_fingerprint"


def test_the_pseudonym_is_hmac_sha256_of_the_trimmed_upper_cased_value() -> None:
    """Its first 128 bits: 32 of the digest's 64 hex characters (docs/PRIVACY.md)."""
    digest = hmac.new(b"k3y", b"44030619900101123X", hashlib.sha256).hexdigest()
    expected = digest[:32]
    assert zp.pseudonym(" 44030619900101123x ", "k3y") == expected
    assert zp.pseudonym("44030619900101123X", b"k3y") == expected
    assert zp.pseudonym("", "k3y") is None and zp.pseudonym("  ", "k3y") is None
    assert zp.pseudonym(None, "k3y") is None
    assert zp.pseudonym("a", "k3y") != zp.pseudonym("a", "other key")


def test_the_keyed_function_survives_pickling_as_spark_sends_a_udf() -> None:
    """Spark pickles a UDF for its Python workers: the keyed function must pickle (an
    HMAC object cannot) and give the same pseudonyms after."""
    import pickle

    function = zp.keyed("k3y")
    copy = pickle.loads(pickle.dumps(function))
    assert copy("44030619900101123x") == function("44030619900101123X") is not None
    assert copy(None) is None


def test_the_duckdb_function_equals_the_python_one() -> None:
    key = session_key()
    values = ["44030619900101123x", " 张三 ", "", None, "13800138000", "a" * 300]
    con = duckdb.connect()
    zp.register_duckdb(con, key)
    con.execute("create table t as select * from unnest(?) as u(v)", [values])
    got = dict(con.execute("select v, zw_pseudonym(v) from t").fetchall())
    assert got == {v: zp.pseudonym(v, key) for v in values}
    # many rows: the Arrow batches are hashed value by value, in order
    rows = con.execute(
        "select v, zw_pseudonym(v) from (select cast(i as varchar) as v from range(5000) t(i))"
    ).fetchall()
    assert all(p == zp.pseudonym(v, key) for v, p in rows)


def test_a_missing_or_published_key_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(zp.PseudonymKeyMissingError, match="ZHIWANG_PSEUDONYM_KEY is not set"):
        zp.key_from_environment({"ZHIWANG_PSEUDONYM_KEY": "   "})
    # dbt's plugin takes the key from Settings: empty, published and weak keys are refused
    for key, reason in [
        ("", "is empty or unset"),
        ("zhiwang-dev-only-change-me", "is a published default value"),
        ("short-key", "is shorter than"),
    ]:
        done = run_dbt(
            ["run", "--select", "dim_date"], tmp_path / "w.duckdb", tmp_path,
            ZHIWANG_PSEUDONYM_KEY=key, ZHIWANG_VAR_DIR=str(tmp_path / "var"), ZHIWANG_DEV_MODE="",
        )  # fmt: skip
        assert done.returncode != 0, key
        out = done.stdout + done.stderr
        assert f"ZHIWANG_PSEUDONYM_KEY {reason}" in out, out[-2000:]
        assert "`uv run zhiwang secrets`" in out
    assert not (tmp_path / "w.duckdb").exists(), "nothing was built"


def test_another_key_needs_a_full_refresh(fixture_warehouse: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    other = secrets.token_urlsafe(32)
    run = ["run", "--select", "dim_date"]
    done = run_dbt(run, warehouse, tmp_path, ZHIWANG_PSEUDONYM_KEY=other)
    assert done.returncode != 0
    assert "dbt build --full-refresh" in done.stdout, done.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute(STORED).fetchall()
    # a refused run keeps the stored fingerprint
    assert stored == [(zp.fingerprint(session_key()),)]
    assert other not in zp.fingerprint(other)
    refreshed = run_dbt(
        ["run", "--select", "dim_date", "--full-refresh"], warehouse, tmp_path,
        ZHIWANG_PSEUDONYM_KEY=other,
    )  # fmt: skip
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute(STORED).fetchall()
    assert stored == [(zp.fingerprint(other),)]


def test_pseudonyms_of_the_former_width_need_a_full_refresh(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """A warehouse whose pseudonyms are the full 64-character digest (before they were
    cut to 128 bits) is refused with what to do, even with the same key: its stored
    person keys would never match the new ones."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    full = hmac.new(session_key().encode(), zp.FINGERPRINT_SUBJECT.encode(), hashlib.sha256)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update internal.pseudonym_key_fingerprint set fingerprint = ?", [full.hexdigest()]
        )
    done = run_dbt(["run", "--select", "dim_date"], warehouse, tmp_path)
    assert done.returncode != 0
    widths = "pseudonyms are 64 characters long; this version makes them 32"
    assert widths in done.stdout, done.stdout[-3000:]
    assert "`dbt build --full-refresh`" in done.stdout
    refreshed = run_dbt(["run", "--select", "dim_date", "--full-refresh"], warehouse, tmp_path)
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(STORED).fetchall() == [(zp.fingerprint(session_key()),)]


def test_the_key_is_in_no_compiled_sql_log_or_warehouse(fixture_warehouse: Path) -> None:
    """The fixture's builds ran with the session's key: dbt's target/ (compiled and run SQL,
    manifest, partial-parse state), its logs and the warehouse never hold it."""
    assert list((SESSION / "target").rglob("*.sql")), "no compiled SQL to search"
    assert list(fixture_warehouse.parent.rglob("*.log")), "no dbt log to search"
    assert files_containing([SESSION, fixture_warehouse.parent], session_key()) == []
    manifest = (SESSION / "target" / "manifest.json").read_text()
    assert "zw_pseudonym(" in manifest
