"""The Airflow environment installs from its committed lock, and that lock is current."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from orchestration.runner import AIRFLOW_PROJECT


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv not on PATH")
def test_the_airflow_lock_matches_both_pyprojects() -> None:
    # The runner syncs with --frozen: a root dependency added without re-locking
    # envs/airflow would be missing inside the DAG runs. `uv lock --check` fails then.
    proc = subprocess.run(
        ["uv", "lock", "--check", "--project", str(AIRFLOW_PROJECT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, (
        "envs/airflow/uv.lock is stale: run `uv lock --project envs/airflow` and commit it\n"
        + proc.stderr[-2000:]
    )


def test_the_brief_finds_a_cjk_font_without_system_packages() -> None:
    # The font comes from a wheel in the Airflow environment (mplfonts), not from apt.
    from orchestration.runner import ensure_airflow_env

    python = ensure_airflow_env()
    probe = (
        "from orchestration.brief import build\n"
        "build.CJK_FONTS = ()\n"  # as on a machine without any system CJK font
        "path = build.cjk_font()\n"
        "from fontTools.ttLib import TTFont\n"
        "cmap = TTFont(str(path)).getBestCmap()\n"
        "print(all(ord(c) in cmap for c in '宝安区新安街道人口'))\n"
    )
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "True"


def test_without_any_cjk_font_the_brief_says_what_to_install(monkeypatch) -> None:
    from orchestration.brief import build

    monkeypatch.setattr(build, "CJK_FONTS", ())
    monkeypatch.setattr(build, "PIP_CJK_FONT", ("no_such_font_package_zhiwang", "x.otf"))
    with pytest.raises(build.MissingFontError, match=r"mplfonts.*fonts-noto-cjk"):
        build.cjk_font()
