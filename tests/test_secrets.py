"""No default secret in use, ever (zhiwang/secrets.py, docs/SECURITY.md)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from zhiwang import secrets
from zhiwang.settings import PROJECT_ROOT, Settings

OLD_DEFAULTS = (
    "zhiwang-dev-only-change-me",
    "zhiwang-superset-dev-only-change-me",
    "zhiwang-dev-only",
)


def test_first_run_generates_every_secret_into_a_0600_file(tmp_path: Path) -> None:
    generated = secrets.ensure_secrets(tmp_path)
    path = secrets.secrets_path(tmp_path)
    assert set(generated) == set(secrets.SPECS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secrets.read_secrets(tmp_path) == generated
    for name, value in generated.items():
        assert secrets.problem(name, value) is None
    # A second run keeps them; another installation gets other values.
    assert secrets.ensure_secrets(tmp_path) == {}
    assert secrets.read_secrets(tmp_path) == generated
    other = secrets.ensure_secrets(tmp_path / "other")
    assert not set(other.values()) & set(generated.values())


def test_a_published_value_in_the_file_is_replaced(tmp_path: Path) -> None:
    path = secrets.secrets_path(tmp_path)
    path.write_text("ZHIWANG_PSEUDONYM_KEY=zhiwang-dev-only-change-me\n")
    path.chmod(0o644)
    generated = secrets.ensure_secrets(tmp_path)
    assert "ZHIWANG_PSEUDONYM_KEY" in generated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "zhiwang-dev-only-change-me" not in path.read_text()


def test_settings_take_the_generated_pseudonym_key(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ZHIWANG_PSEUDONYM_KEY", raising=False)
    assert Settings(var_dir=tmp_path, _env_file=None).pseudonym_key is None
    with pytest.raises(secrets.InsecureSecretError, match="zhiwang secrets"):
        Settings(var_dir=tmp_path, _env_file=None).pseudonym_secret()
    generated = secrets.ensure_secrets(tmp_path)
    settings = Settings(var_dir=tmp_path, _env_file=None)
    assert settings.pseudonym_secret() == generated["ZHIWANG_PSEUDONYM_KEY"]


@pytest.mark.parametrize("value", [*OLD_DEFAULTS, "", "too-short-a-key"])
def test_settings_refuse_a_published_empty_or_weak_pseudonym_key(
    tmp_path: Path, monkeypatch, value: str
) -> None:
    monkeypatch.delenv("ZHIWANG_DEV_MODE", raising=False)
    monkeypatch.setenv("ZHIWANG_PSEUDONYM_KEY", value)
    with pytest.raises(secrets.InsecureSecretError, match="refusing to start"):
        Settings(var_dir=tmp_path, _env_file=None)


def test_dev_mode_is_explicit_and_never_accepts_an_empty_key(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ZHIWANG_DEV_MODE", "1")
    monkeypatch.setenv("ZHIWANG_PSEUDONYM_KEY", OLD_DEFAULTS[0])
    assert Settings(var_dir=tmp_path, _env_file=None).pseudonym_secret() == OLD_DEFAULTS[0]
    monkeypatch.setenv("ZHIWANG_PSEUDONYM_KEY", "")
    with pytest.raises(secrets.InsecureSecretError):
        Settings(var_dir=tmp_path, _env_file=None)


def test_the_cli_refuses_a_published_key_and_generates_secrets(tmp_path: Path, monkeypatch) -> None:
    from cli.app import app
    from zhiwang.settings import get_settings

    monkeypatch.delenv("ZHIWANG_DEV_MODE", raising=False)
    monkeypatch.setenv("ZHIWANG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ZHIWANG_PSEUDONYM_KEY", OLD_DEFAULTS[0])
    get_settings.cache_clear()
    refused = CliRunner().invoke(app, ["secrets"])
    assert refused.exit_code == 2
    assert "published default" in refused.output
    monkeypatch.delenv("ZHIWANG_PSEUDONYM_KEY")
    get_settings.cache_clear()
    made = CliRunner().invoke(app, ["secrets"])
    get_settings.cache_clear()
    assert made.exit_code == 0, made.output
    values = secrets.read_secrets(tmp_path)
    assert set(values) == set(secrets.SPECS)
    # The passwords are shown once on the terminal (and never again).
    assert values["SUPERSET_COMMUNITY_LEADER_PASSWORD"] in made.output
    again = CliRunner().invoke(app, ["secrets"])
    get_settings.cache_clear()
    assert values["SUPERSET_COMMUNITY_LEADER_PASSWORD"] not in again.output


def _assignments(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Z_]+)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


@pytest.mark.parametrize("example", [".env.example", "docker/env.example"])
def test_example_files_publish_no_secret_value(example: str) -> None:
    text = (PROJECT_ROOT / example).read_text(encoding="utf-8")
    for value in secrets.KNOWN_DEFAULTS:
        if len(value) > 8:
            assert value not in text, f"{example} publishes {value!r}"
    values = _assignments(PROJECT_ROOT / example)
    secret_names = {*secrets.SPECS, "POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET"}
    for name in secret_names & set(values):
        assert values[name] == "", f"{example} sets {name}"


def test_compose_requires_every_secret() -> None:
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name in (*secrets.SPECS, "POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET"):
        assert re.search(r"\$\{" + name + r":\?[^}]+\}", compose), f"{name} not required"
        assert not re.search(r"\$\{" + name + r":-", compose), f"{name} has a default"
    yaml.safe_load(compose)


def test_dockerignore_keeps_data_and_secrets_out_of_images() -> None:
    lines = set((PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines())
    assert {"var/", ".env", "test-output/", ".venv/", "**/secrets.env"} <= lines


def test_no_published_default_left_in_the_code() -> None:
    """The old defaults survive only in the list that refuses them (and in tests)."""
    allowed = {PROJECT_ROOT / "zhiwang" / "secrets.py"}
    offenders = []
    # The project's files (tracked or new, not git-ignored caches such as .pytest_cache,
    # whose node ids name these tests).
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for path in (PROJECT_ROOT / name for name in listed if name):
        if (
            path.suffix
            not in {".py", ".sh", ".yml", ".yaml", ".md", ".toml", ".example", ".sql", ".j2", ""}
            or not path.is_file()
            or path in allowed
            or any(
                part in {".venv", "var", ".git", "tests", "target", "test-output", "docs"}
                for part in path.relative_to(PROJECT_ROOT).parts
            )
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if any(old in text for old in OLD_DEFAULTS[:2]):
            offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_no_sql_reads_the_pseudonym_key() -> None:
    """The key reaches only the zw_pseudonym() plugin (from Settings / the environment):
    no dbt file reads it with env_var(), so no compiled SQL, log or target/ file holds it."""
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "dbt_project").rglob("*")
        if path.is_file()
        and path.suffix in {".sql", ".yml", ".yaml"}
        and "target" not in path.relative_to(PROJECT_ROOT).parts
        and re.search(
            r"env_var\(\s*['\"]ZHIWANG_PSEUDONYM_KEY", path.read_text("utf-8", errors="ignore")
        )
    ]
    assert readers == []
