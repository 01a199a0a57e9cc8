"""The installation's secrets: generated once, kept in a 0600 file, defaults refused.

One module for every process that needs a secret: the ``zhiwang`` CLI and
settings (pseudonym key), the orchestration (hands the key to Airflow and dbt),
and the Superset side (``envs/superset/superset_config.py`` and the bootstrap
import this file: it needs only the standard library and python-dotenv, which
every one of the project's environments has).

On the embedded default, the first ``zhiwang`` command generates every secret
below with :mod:`secrets` into ``<var_dir>/secrets.env`` (mode 0600, created
with ``O_EXCL`` so it is never world-readable, even for an instant). The values
are printed once to the terminal by ``zhiwang run`` and never written to a log.
Precedence: the process environment, then the repository's ``.env``, then
``secrets.env``.

Every start refuses an empty value, a value published anywhere in this
repository (``KNOWN_DEFAULTS``) or one too short to be a secret, with a message
that says what to do, unless the explicit development mode
``ZHIWANG_DEV_MODE=1`` is set (then a known or weak value is accepted with a
warning; an empty one is still refused).
"""

from __future__ import annotations

import logging
import os
import secrets as _random
import stat
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.env"
DEV_MODE_ENV = "ZHIWANG_DEV_MODE"


@dataclass(frozen=True)
class SecretSpec:
    name: str
    what: str
    nbytes: int  # random bytes generated (token_urlsafe: ~1.3 characters a byte)
    min_length: int


PSEUDONYM_KEY = "ZHIWANG_PSEUDONYM_KEY"
SUPERSET_SECRET_KEY = "SUPERSET_SECRET_KEY"
# The demo users of superset/security.yaml (password_env) and the admin.
PASSWORD_NAMES = (
    "SUPERSET_ADMIN_PASSWORD",
    "SUPERSET_DISTRICT_LEADER_PASSWORD",
    "SUPERSET_STREET_LEADER_PASSWORD",
    "SUPERSET_COMMUNITY_LEADER_PASSWORD",
    "SUPERSET_ANALYST_PASSWORD",
    "SUPERSET_DATA_OFFICE_PASSWORD",
)
SPECS = {
    spec.name: spec
    for spec in (
        SecretSpec(PSEUDONYM_KEY, "HMAC key of the personal-data pseudonyms", 32, 32),
        SecretSpec(SUPERSET_SECRET_KEY, "Superset's session-signing key", 42, 32),
        *(SecretSpec(name, "a Superset login password", 15, 12) for name in PASSWORD_NAMES),
    )
}

# Every value ever published in this repository (.env.example, code, docs) or
# shipped by Superset as its own placeholder: a start with one of them refuses.
KNOWN_DEFAULTS = frozenset(
    {
        "zhiwang-dev-only-change-me",
        "zhiwang-superset-dev-only-change-me",
        "zhiwang-dev-only",
        "zhiwang-test-password",
        "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",
        "\2\1thisismyscretkey\1\2\\e\\y\\y\\h",
        "thisISaSECRET_1234",
        "changeme",
        "change-me",
        "secret",
        "password",
        "admin",
    }
)


class InsecureSecretError(RuntimeError):
    """A secret is missing, published or weak; the message says how to fix it."""


def dev_mode() -> bool:
    """``ZHIWANG_DEV_MODE=1``: development only, accept known or weak values with a warning."""
    return os.environ.get(DEV_MODE_ENV, "").strip() == "1"


def secrets_path(var_dir: Path) -> Path:
    return Path(var_dir) / SECRETS_FILE


def problem(name: str, value: str | None) -> str | None:
    """Why ``value`` may not be used as secret ``name`` (None when it may)."""
    spec = SPECS.get(name)
    if value is None or not value.strip():
        return f"{name} is empty or unset"
    if value in KNOWN_DEFAULTS or value.strip().lower() in {v.lower() for v in KNOWN_DEFAULTS}:
        return f"{name} is a published default value"
    if spec is not None and len(value) < spec.min_length:
        return f"{name} is shorter than {spec.min_length} characters"
    return None


def check(name: str, value: str | None, var_dir: Path | None = None) -> str:
    """``value`` if it may be used as secret ``name``; else :class:`InsecureSecretError`."""
    reason = problem(name, value)
    if reason is None:
        return value  # type: ignore[return-value]
    empty = value is None or not value.strip()
    if dev_mode() and not empty:
        log.warning("%s: accepted only because %s=1 (development mode)", reason, DEV_MODE_ENV)
        return value  # type: ignore[return-value]
    where = secrets_path(var_dir) if var_dir is not None else f"<var_dir>/{SECRETS_FILE}"
    raise InsecureSecretError(
        f"refusing to start: {reason}. Unset it to use the generated one in {where} "
        "(`uv run zhiwang secrets` creates that file), or set a strong random value "
        "(e.g. `openssl rand -base64 42`) in the environment or .env; "
        f"{DEV_MODE_ENV}=1 accepts it on a development machine only."
    )


def read_secrets(var_dir: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of ``<var_dir>/secrets.env`` (empty if it does not exist)."""
    path = secrets_path(var_dir)
    if not path.is_file():
        return {}
    values = dotenv_values(path, encoding="utf-8")
    return {key: value for key, value in values.items() if value is not None}


def ensure_secrets(var_dir: Path) -> dict[str, str]:
    """Create ``<var_dir>/secrets.env`` (0600) or add the secrets it lacks.

    Returns the values generated now (empty when the file was complete), so
    the caller can show them once. Never logs a value. A file readable by
    others is made 0600 again, with a warning.
    """
    path = secrets_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = read_secrets(var_dir)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was mode %o; made 0600", path, mode)
            path.chmod(0o600)
    wanted = {name: v for name, v in existing.items() if problem(name, v) is None}
    generated = {
        name: _random.token_urlsafe(spec.nbytes)
        for name, spec in SPECS.items()
        if name not in wanted
    }
    if not generated:
        return {}
    lines = [
        "# Generated by zhiwang (zhiwang/secrets.py): this installation's secrets.",
        "# Mode 0600. The environment and .env override a line here. Never commit or copy.",
        *(f"{name}={value}" for name, value in {**wanted, **generated}.items()),
    ]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return generated


def load_into_environ(var_dir: Path) -> Path | None:
    """Set each secret of ``<var_dir>/secrets.env`` the environment does not set yet."""
    values = read_secrets(var_dir)
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return secrets_path(var_dir) if values else None
