"""The ingest's allocator settings (ingest/__init__.py) take effect where it runs.

jemalloc reads polars' setting once, when polars is first imported, so the
setting applies only if ``ingest`` is imported before polars. These tests run
fresh interpreters: the entry points that run the ingest (the CLI, Airflow's
service layer, the benchmarks) must not import polars before it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, env_extra: dict[str, str] | None = None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    env.update(env_extra or {})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_ingest_first_configures_polars_and_leaves_no_variable_behind() -> None:
    # polars itself sets the variable to its defaults when it configures jemalloc:
    # after ``import ingest`` it is gone, i.e. ours was read and then removed.
    assert (
        _python(
            "import ingest, os, sys; "
            "print('polars' in sys.modules, os.environ.get('_RJEM_MALLOC_CONF'))"
        )
        == "True None"
    )
    # polars first: its default stays (ingest cannot change it any more)
    out = _python("import polars, ingest, os; print(os.environ.get('_RJEM_MALLOC_CONF'))")
    assert "dirty_decay_ms:500" in out


def test_an_operators_own_setting_is_kept() -> None:
    out = _python(
        "import ingest, polars, os; print(os.environ.get('_RJEM_MALLOC_CONF'))",
        {"_RJEM_MALLOC_CONF": "narenas:2"},
    )
    # polars appends the operator's setting to its own defaults; ours is not there
    assert out.endswith(",narenas:2") and "dirty_decay_ms:-1" not in out


@pytest.mark.parametrize("module", ["cli.app", "orchestration.service", "zhiwang.settings"])
def test_entry_points_do_not_import_polars_before_the_ingest(module: str) -> None:
    """The CLI and the Airflow tasks import ``ingest`` lazily, when they run it:
    importing their modules must not have loaded polars already."""
    assert _python(f"import sys, {module}; print('polars' in sys.modules)") == "False"


@pytest.mark.parametrize("script", ["bench/ingest.py", "bench/profile_ingest.py"])
def test_ingest_benchmarks_import_the_ingest_before_polars(script: str) -> None:
    text = (REPO / script).read_text()
    first_ingest = min(i for i in (text.find("from ingest"), text.find("import ingest")) if i >= 0)
    first_polars = text.find("import polars")
    assert first_polars < 0 or first_ingest < first_polars
