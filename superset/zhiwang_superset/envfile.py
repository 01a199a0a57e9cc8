"""The repository's ``.env`` and the ``Settings`` names, for the Superset side.

The warehouse reads ``.env`` through ``zhiwang.settings``; Superset's config and
bootstrap run in another environment, so they read the same file (python-dotenv,
as pydantic-settings does) and the same variable names with the same defaults
(``tests/test_settings.py`` checks they agree). Variables already set in the
environment win over the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

REPO = Path(__file__).resolve().parents[2]


def env_file() -> Path:
    """``ZHIWANG_ENV_FILE``, else the ``.env`` at the project root (as ``zhiwang.settings``)."""
    return Path(os.environ.get("ZHIWANG_ENV_FILE") or REPO / ".env")


def load_env_file(path: Path | None = None) -> Path | None:
    """Set the variables of ``.env`` that the environment does not set yet."""
    path = path or env_file()
    if not path.is_file():
        return None
    load_dotenv(path, override=False, encoding="utf-8")
    return path


def var_dir() -> Path:
    return Path(os.environ.get("ZHIWANG_VAR_DIR") or REPO / "var")


def data_docs_dir() -> Path:
    """``ZHIWANG_DATA_DOCS_DIR``, else the settings' default under the var dir."""
    explicit = os.environ.get("ZHIWANG_DATA_DOCS_DIR")
    return Path(explicit) if explicit else var_dir() / "data_docs"


def superset_home() -> Path:
    """``SUPERSET_HOME``, else the settings' default under the var dir."""
    explicit = os.environ.get("SUPERSET_HOME")
    return Path(explicit) if explicit else var_dir() / "superset"


def serving_path() -> Path:
    """``ZHIWANG_SERVING_PATH``, else the settings' default under the var dir."""
    explicit = os.environ.get("ZHIWANG_SERVING_PATH")
    return Path(explicit) if explicit else var_dir() / "serving" / "zhiwang_serving.duckdb"


def secrets_module():
    """``zhiwang/secrets.py`` (standard library and python-dotenv), importable from the
    Superset env."""
    import sys

    if str(REPO) not in sys.path:
        sys.path.append(str(REPO))  # last: nothing installed is shadowed
    from zhiwang import secrets

    return secrets


def load_secrets() -> None:
    """The secrets generated under ``<var_dir>/secrets.env``; the environment wins."""
    secrets_module().load_into_environ(var_dir())


def shell_exports(names: list[str]) -> str:
    """``export NAME='value'`` lines for the shell scripts (envs/superset/serve.sh):
    each named variable as the environment or, else, ``.env`` sets it (python-dotenv
    parses the file: quotes, ``export``, comments); unset ones are left out."""
    import shlex

    load_env_file()
    return "".join(
        f"export {name}={shlex.quote(os.environ[name])}\n"
        for name in names
        if name.isidentifier() and os.environ.get(name)
    )


if __name__ == "__main__":
    import sys

    sys.stdout.write(shell_exports(sys.argv[1:]))
