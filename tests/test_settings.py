"""One Settings: every path a field, .env found at the project root, the Superset side agreeing."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zhiwang.settings import PROJECT_ROOT, Settings

KEY = "a-test-pseudonym-key-that-is-long-enough-0123456789"


def _envfile():
    sys.path.insert(0, str(PROJECT_ROOT / "superset"))
    try:
        return importlib.import_module("zhiwang_superset.envfile")
    finally:
        sys.path.remove(str(PROJECT_ROOT / "superset"))


def test_every_path_defaults_under_var_dir_and_honours_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIWANG_DATA_DOCS_DIR", str(tmp_path / "docs"))
    settings = Settings(var_dir=tmp_path / "var", pseudonym_key=KEY)
    # .env.example documents ZHIWANG_DATA_DOCS_DIR: the quality gate writes there
    assert settings.data_docs == tmp_path / "docs"
    var = tmp_path / "var"
    assert settings.reports == var / "reports"
    assert settings.dbt_target == var / "dbt" / "target"
    assert settings.dbt_logs == var / "dbt" / "logs"
    assert settings.airflow == var / "airflow"
    assert settings.failures == var / "ops" / "failures.jsonl"
    assert settings.gx == var / "gx"
    env = settings.environ()
    assert env["ZHIWANG_DATA_DOCS_DIR"] == str(tmp_path / "docs")
    assert env["ZHIWANG_AIRFLOW_HOME"] == str(var / "airflow")
    assert env["ZHIWANG_DUCKDB_THREADS"] == str(settings.duckdb_threads)


def test_every_settings_variable_is_documented_in_env_example() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    documented = set(re.findall(r"\b(ZHIWANG_[A-Z_]+)=", example))
    names = {f"ZHIWANG_{n.upper()}" for n in Settings.model_fields if n != "superset_home"}
    assert names <= documented, sorted(names - documented)


def test_dotenv_is_read_from_the_project_root_not_the_working_directory(tmp_path: Path) -> None:
    env_file = tmp_path / "project.env"
    env_file.write_text(
        f"ZHIWANG_VAR_DIR={tmp_path / 'from-env-file'}\nZHIWANG_PSEUDONYM_KEY={KEY}\n"
        "export ZHIWANG_REPORTS_DIR='/quoted/reports'\n"
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text("ZHIWANG_VAR_DIR=/must/not/be/read\n")
    probe = (
        "from zhiwang.settings import Settings, env_file; s = Settings(); "
        "print(env_file()); print(s.var_dir); print(s.reports)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIWANG_")}
    env["ZHIWANG_ENV_FILE"] = str(env_file)
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True,
        check=True,
    ).stdout.split()  # fmt: skip
    assert out == [str(env_file), str(tmp_path / "from-env-file"), "/quoted/reports"]
    # without ZHIWANG_ENV_FILE: the project root's .env, wherever the command starts
    env.pop("ZHIWANG_ENV_FILE")
    first = subprocess.run(
        [sys.executable, "-c", "from zhiwang.settings import env_file; print(env_file())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert first == str(PROJECT_ROOT / ".env")


def test_the_superset_side_reads_the_same_names_and_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    envfile = _envfile()
    for name in ("ZHIWANG_DATA_DOCS_DIR", "ZHIWANG_SERVING_PATH", "SUPERSET_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZHIWANG_VAR_DIR", str(tmp_path / "var"))
    settings = Settings(pseudonym_key=KEY)
    assert envfile.var_dir() == settings.var_dir
    assert envfile.data_docs_dir() == settings.data_docs
    assert envfile.serving_path() == settings.serving
    assert envfile.superset_home() == settings.superset
    monkeypatch.setenv("ZHIWANG_DATA_DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("SUPERSET_HOME", str(tmp_path / "sup"))
    settings = Settings(pseudonym_key=KEY)
    assert envfile.data_docs_dir() == settings.data_docs == tmp_path / "docs"
    assert envfile.superset_home() == settings.superset == tmp_path / "sup"


def test_the_superset_side_loads_env_without_overriding_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    envfile = _envfile()
    path = tmp_path / ".env"
    path.write_text("# comment\nexport ZHIWANG_I14_A='quoted value'\nZHIWANG_I14_B=file\n")
    monkeypatch.delenv("ZHIWANG_I14_A", raising=False)
    monkeypatch.setenv("ZHIWANG_I14_B", "environment")
    assert envfile.load_env_file(path) == path
    assert os.environ["ZHIWANG_I14_A"] == "quoted value"
    assert os.environ["ZHIWANG_I14_B"] == "environment"
    monkeypatch.delenv("ZHIWANG_I14_A")


def test_the_superset_shell_scripts_read_env_through_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """envs/superset/serve.sh evals these lines: .env parsed by python-dotenv (quotes,
    `export`, comments), the environment winning, the values shell-quoted."""
    envfile = _envfile()
    path = tmp_path / ".env"
    path.write_text(
        "# comment\nexport SUPERSET_BIND='0.0.0.0'  # all interfaces\n"
        "SUPERSET_PORT=9123\nZHIWANG_VAR_DIR=/srv/zhi wang\n"
    )
    monkeypatch.setenv("ZHIWANG_ENV_FILE", str(path))
    monkeypatch.delenv("SUPERSET_BIND", raising=False)
    monkeypatch.delenv("ZHIWANG_VAR_DIR", raising=False)
    monkeypatch.delenv("SUPERSET_HOME", raising=False)
    monkeypatch.setenv("SUPERSET_PORT", "8099")
    lines = envfile.shell_exports(
        ["SUPERSET_PORT", "SUPERSET_BIND", "SUPERSET_HOME", "ZHIWANG_VAR_DIR"]
    ).splitlines()
    assert lines == [
        "export SUPERSET_PORT=8099",
        "export SUPERSET_BIND=0.0.0.0",
        "export ZHIWANG_VAR_DIR='/srv/zhi wang'",
    ]
    monkeypatch.delenv("SUPERSET_BIND")
    monkeypatch.delenv("ZHIWANG_VAR_DIR")
