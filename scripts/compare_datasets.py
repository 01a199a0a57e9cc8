"""Do the serving models return what the Superset datasets' SQL used to? EXCEPT ALL both ways.

    uv run --frozen python scripts/compare_datasets.py SERVING.duckdb [--rev GIT_REV] [--exact]

Issue 14 moved the SQL of the virtual datasets (``superset/assets/datasets``)
into dbt models of the same name (``dbt_project/models/marts/serving``). This
runs each dataset's SQL as committed at ``--rev`` (default: the newest commit
whose datasets still carry SQL) on the serving copy and compares it with the
model's table ``marts.<dataset>`` in the same copy, in the dataset's column
order: on the full copy, and on each street/community scope file under
``<serving dir>/scopes/`` with that scope's row-level security filter (as
Superset applies it). Doubles are compared at 1e-9 (``--exact``: bit for bit).
Exit 1 when a row differs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]
DATASETS = "superset/assets/datasets/zhiwang_serving"
EXACT = "--exact" in sys.argv  # doubles bit for bit


def old_datasets(rev: str) -> dict[str, dict]:
    """The virtual datasets as committed at ``rev`` (name → YAML)."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:{DATASETS}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    found = {}
    for name in names:
        text = subprocess.run(
            ["git", "show", f"{rev}:{DATASETS}/{name}"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        dataset = yaml.safe_load(text)
        if dataset.get("sql"):
            found[dataset["table_name"]] = dataset
    return found


def last_virtual_rev() -> str:
    """The newest commit whose dataset YAMLs still carried their SQL."""
    revs = subprocess.run(
        ["git", "rev-list", "HEAD", "--", DATASETS], cwd=REPO, capture_output=True, text=True,
        check=True,
    ).stdout.split()  # fmt: skip
    for rev in revs:
        if old_datasets(rev):
            return rev
        if old_datasets(f"{rev}~1"):
            return f"{rev}~1"
    raise SystemExit("no commit with virtual datasets found: pass --rev")


def _scopes(serving: Path) -> list[tuple[Path, str]]:
    """Each scope file with its RLS filter (role zhiwang_scope_<street|community>_<code>)."""
    out = []
    for path in sorted((serving.parent / "scopes").glob(f"*/{serving.name}")):
        kind, code = path.parent.name.removeprefix("zhiwang_scope_").rsplit("_", 1)
        out.append((path, f"{kind}_code = '{code}'"))
    return out


def compare_one(con: duckdb.DuckDBPyConnection, dataset: dict, where: str = "true") -> list[int]:
    name = dataset["table_name"]
    columns = [c["column_name"] for c in dataset["columns"]]
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts' and table_name = ?",
            [name],
        ).fetchall()
    )
    select = ", ".join(
        f'round("{c}", 9)' if types[c] == "DOUBLE" and not EXACT else f'"{c}"' for c in columns
    )
    old = f"select {select} from ({dataset['sql']}) where {where}"
    new = f"select {select} from marts.{name} where {where}"
    rows = con.execute(f"select count(*) from ({old})").fetchone()[0]  # type: ignore[index]
    diff = [
        con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0]  # type: ignore[index]
        for x, y in ((old, new), (new, old))
    ]
    return [rows, *diff]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("serving", type=Path)
    parser.add_argument("--rev", default=None)
    parser.add_argument("--exact", action="store_true")
    args = parser.parse_args()
    datasets = old_datasets(args.rev or last_virtual_rev())
    security = yaml.safe_load((REPO / "superset" / "security.yaml").read_text(encoding="utf-8"))
    total = 0
    copies = [(args.serving, "true"), *_scopes(args.serving)]
    for path, where in copies:
        label = "full copy" if where == "true" else f"{path.parent.name} ({where})"
        print(f"== {label}")
        with duckdb.connect(str(path), read_only=True) as con:
            for name, dataset in sorted(datasets.items()):
                if where != "true" and name not in security["geo_datasets"]:
                    continue  # scope files hold geo datasets only (district/open ones unscoped)
                rows, before_after, after_before = compare_one(con, dataset, where)
                total += before_after + after_before
                print(f"{name:32s} rows {rows:6d}  old-new {before_after}  new-old {after_before}")
    print(f"{total} differing rows")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
