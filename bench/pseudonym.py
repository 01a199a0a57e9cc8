"""Cost of the HMAC-SHA256 pseudonym (zw_pseudonym, a DuckDB arrow UDF) against SQL hashing.

    uv run python bench/pseudonym.py [--rows 1000000] [--repeat 3]

Over ``--rows`` distinct 18-character citizen-ID-like strings in DuckDB, the
best of ``--repeat`` wall times of:

- baseline: the nested keyed hash the project used before,
  ``sha256(key || '|' || sha256(key || '|' || upper(trim(v))))``, native SQL
  (it had to inline the key into the compiled SQL);
- ``zw_pseudonym(v)``: HMAC-SHA256 over UPPER(TRIM(v)) in Python over Arrow
  batches, as the dbt plugin registers it (the key stays in memory);

and prints the ratio (UDF / baseline) and the UDF's cost per million values.
Each query materialises its result (``count(distinct ...)``) so nothing is
skipped.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zhiwang.pseudonym import register_duckdb


def _best(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = con.execute(sql).fetchone()[0]
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    args = parser.parse_args()
    key = secrets.token_hex(32)
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    register_duckdb(con, key)
    con.execute(
        "create table ids as select '4403061990' || lpad(cast(i as varchar), 7, '0') || 'x' as v "
        f"from range({args.rows}) t(i)"
    )
    literal = key.replace("'", "''")
    baseline_sql = (
        f"select count(distinct sha256('{literal}|' || sha256('{literal}|' || upper(trim(v))))) "
        "from ids"
    )
    udf_sql = "select count(distinct zw_pseudonym(v)) from ids"
    base, n_base = _best(con, baseline_sql, args.repeat)
    udf, n_udf = _best(con, udf_sql, args.repeat)
    assert n_base == n_udf == args.rows, (n_base, n_udf)
    print(f"rows: {args.rows:,} (DuckDB threads {args.threads}, best of {args.repeat})")
    print(f"baseline nested sha256 (SQL)     : {base:7.2f} s")
    print(f"zw_pseudonym HMAC (arrow UDF)    : {udf:7.2f} s")
    print(f"ratio UDF / baseline             : {udf / base:7.2f}")
    print(f"UDF per million values           : {udf / args.rows * 1e6:7.2f} s")


if __name__ == "__main__":
    main()
