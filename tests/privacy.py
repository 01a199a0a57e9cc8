"""Search a run's files for a secret (the pseudonym key must never reach a disk)."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml


def _is_secrets_store(path: Path) -> bool:
    """The installation's own secrets file (owner-only, named for it) is where the key lives."""
    mode = path.stat().st_mode
    return "secret" in path.name.lower() and not mode & (stat.S_IRWXG | stat.S_IRWXO)


def files_containing(roots: list[Path], secret: str) -> list[Path]:
    """Every file under ``roots`` whose bytes hold ``secret`` (as UTF-8), binary files included."""
    needle = secret.encode("utf-8")
    found: list[Path] = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            if _is_secrets_store(path):
                continue
            with path.open("rb") as handle:
                tail = b""
                while chunk := handle.read(1 << 20):
                    if needle in tail + chunk:
                        found.append(path)
                        break
                    tail = chunk[-len(needle) :]
    return found


def internal_models(dbt_project_yml: Path) -> set[str]:
    """Models ``dbt_project.yml`` puts in schema ``internal``: person-grain marts with
    exact quasi-identifiers, never published (docs/PRIVACY.md)."""
    found: set[str] = set()

    def walk(node: dict, name: str) -> None:
        if node.get("+schema") == "internal":
            found.add(name)
        for key, child in node.items():
            if isinstance(child, dict) and not key.startswith("+"):
                walk(child, key)

    walk(yaml.safe_load(dbt_project_yml.read_text("utf-8"))["models"], "")
    return found
