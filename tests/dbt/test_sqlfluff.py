"""SQLFluff (dbt_project/.sqlfluff: DuckDB dialect, dbt templater) passes on the models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.dbt.dbt_helpers import PROJECT, SESSION, SLOT
from tests.dbt.pseudonym import session_key

# owned by the data-quality work (issue 4), not yet brought to this standard
NOT_YET_LINTED = ("models/marts/quality/",)


def test_models_pass_sqlfluff(tmp_path: Path) -> None:
    files = sorted(
        str(path.relative_to(PROJECT))
        for path in PROJECT.glob("models/**/*.sql")
        if not str(path.relative_to(PROJECT)).startswith(NOT_YET_LINTED)
    )
    assert len(files) > 40
    env = {
        **os.environ,
        # the same profile and target folder as the other dbt tests: dbt's
        # partial parse is reused when they ran first
        "ZHIWANG_WAREHOUSE_PATH": str(SLOT),
        "DBT_TARGET_PATH": str(SESSION / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DO_NOT_TRACK": "1",
        # the profile's pseudonym plugin refuses to load without a key
        "ZHIWANG_PSEUDONYM_KEY": session_key(),
    }
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    done = subprocess.run(
        [str(sqlfluff), "lint", *files, "--processes", "2", "--format", "json", "--nofail"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results = json.loads(done.stdout or "null")
    assert results, done.stderr[-3000:]
    assert len(results) == len(files)
    violations = [
        f"{r['filepath']}:{v['start_line_no']}:{v['start_line_pos']} {v['code']} {v['description']}"
        for r in results
        for v in r["violations"]
    ]
    assert violations == [], "\n".join(violations)
