"""The CSV record reader against a maintained one, on the same delivered files.

For every CSV file of a landing folder: (a) the ingest's reader alone
(``ingest.readers.open_file``: decode, split into records, quarantine damaged
ones, split fields; no validation, no writing) and (b) DuckDB
``read_csv(all_varchar, store_rejects = true)`` materialised into a table (GBK
files read as latin-1: DuckDB has no GBK decoder offline, so it gets the cheaper
single-byte decode). Prints wall time, rows and rejected/quarantined records per
reader, and the ratio. Best of two runs each (the first also warms the cache).

    uv run python bench/csv_readers.py --landing <landing>
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run as `python bench/csv_readers.py`, this file's folder comes first on sys.path
# and `bench/ingest.py` would shadow the `ingest` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import duckdb  # noqa: E402

from ingest.contract import FileKind, load_feeds, match_file  # noqa: E402
from ingest.readers import open_file  # noqa: E402


def _csv_files(landing: Path) -> list[tuple[Path, FileKind]]:
    feeds = load_feeds()
    out = []
    for success in sorted(landing.glob("*/*/_SUCCESS")):
        feed = feeds.get(success.parent.parent.name)
        for path in sorted(success.parent.iterdir()) if feed else []:
            matched = match_file(feed, path.name) if not path.is_symlink() else None
            if matched and matched[0].format == "csv":
                out.append((path, matched[0]))
    return out


def ours(path: Path, fk: FileKind) -> tuple[int, int, float]:
    began = time.perf_counter()
    opened = open_file(path, fk)
    rows = bad = 0
    for chunk, quarantined in opened.chunks:
        rows += chunk.height
        bad += quarantined.height
    return rows, bad, time.perf_counter() - began


def duck(path: Path, fk: FileKind) -> tuple[int, int, float]:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    enc = "latin-1" if fk.encoding == "gbk" else "utf-8"
    began = time.perf_counter()
    try:
        con.execute(
            "create table t as select * from read_csv(?, all_varchar = true, header = true, "
            f"encoding = '{enc}', delim = ',', quote = '\"', escape = '\"', "
            "max_line_size = 2000000, store_rejects = true)",
            [str(path)],
        )
    except duckdb.Error as err:
        print(f"  duckdb failed on {path.name}: {str(err).splitlines()[0][:160]}")
        return -1, -1, time.perf_counter() - began
    seconds = time.perf_counter() - began
    rows = con.execute("select count(*) from t").fetchone()[0]  # type: ignore[index]
    bad = con.execute("select count(*) from reject_errors").fetchone()[0]  # type: ignore[index]
    con.close()
    return rows, bad, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--landing", type=Path, required=True)
    args = ap.parse_args()
    total = {"ours": 0.0, "duckdb": 0.0}
    for path, fk in _csv_files(args.landing):
        results = {}
        for name, fn in (("ours", ours), ("duckdb", duck)):
            runs = [fn(path, fk) for _ in range(2)]
            results[name] = (runs[0][0], runs[0][1], min(r[2] for r in runs))
            total[name] += results[name][2]
        (o_rows, o_bad, o_s), (d_rows, d_bad, d_s) = results["ours"], results["duckdb"]
        print(
            f"{path.name:28} {path.stat().st_size / 1e6:8.1f} MB | ours {o_rows:>10,} rows "
            f"{o_bad:>6,} quarantined {o_s:6.2f}s | duckdb {d_rows:>10,} rows {d_bad:>6,} "
            f"rejected {d_s:6.2f}s | ours/duckdb time {o_s / d_s:5.2f}"
        )
    print(
        f"all CSV files: ours {total['ours']:.2f}s, duckdb read_csv(store_rejects) "
        f"{total['duckdb']:.2f}s, ratio {total['ours'] / total['duckdb']:.2f}"
    )


if __name__ == "__main__":
    main()
