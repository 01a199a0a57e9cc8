"""The repository's ``.env`` for the Superset side (no pydantic here).

The warehouse reads ``.env`` through ``zhiwang.settings``; Superset's config and
bootstrap run in another environment, so they read the same file with this
loader. Variables already set in the environment win over the file.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_env_file(path: Path | None = None) -> Path | None:
    """Set ``KEY=value`` lines of ``.env`` that the environment does not set yet."""
    path = path or Path(os.environ.get("ZHIWANG_ENV_FILE") or REPO / ".env")
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)
    return path


def var_dir() -> Path:
    return Path(os.environ.get("ZHIWANG_VAR_DIR") or REPO / "var")


def serving_path() -> Path:
    """``ZHIWANG_SERVING_PATH``, else the settings' default under the var dir."""
    explicit = os.environ.get("ZHIWANG_SERVING_PATH")
    return Path(explicit) if explicit else var_dir() / "serving" / "zhiwang_serving.duckdb"


def secrets_module():
    """``zhiwang/secrets.py`` (standard library only), importable from the Superset env."""
    import sys

    if str(REPO) not in sys.path:
        sys.path.append(str(REPO))  # last: nothing installed is shadowed
    from zhiwang import secrets

    return secrets


def load_secrets() -> None:
    """The secrets generated under ``<var_dir>/secrets.env``; the environment wins."""
    secrets_module().load_into_environ(var_dir())
