"""The one idempotent bootstrap: metadata DB, roles, assets, RLS and users.

``superset db upgrade`` and ``superset init`` take ~30 s each, so they run only
when the Superset version recorded in ``$SUPERSET_HOME`` differs (first run or
an upgrade); everything after them is an upsert by name or UUID.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from zhiwang_superset.assets import DATABASE_NAME, import_assets, render_assets
from zhiwang_superset.security import apply_security, checked_password, load_security

log = logging.getLogger("zhiwang_superset")
ADMIN_PASSWORD_ENV = "SUPERSET_ADMIN_PASSWORD"


def superset_home() -> Path:
    return Path(os.environ["SUPERSET_HOME"])


def _superset_cli(*args: str) -> None:
    cli = Path(sys.executable).with_name("superset")
    subprocess.run([str(cli), *args], check=True, stdout=subprocess.DEVNULL)


def migrate_if_needed() -> bool:
    """Upgrade the metadata schema and sync built-in roles once per Superset version."""
    from importlib.metadata import version

    marker = superset_home() / ".zhiwang_initialised"
    current = version("apache-superset")
    if marker.exists() and marker.read_text().strip() == current:
        return False
    _superset_cli("db", "upgrade")
    _superset_cli("init")
    marker.write_text(current)
    return True


def _ensure_admin() -> object:
    from superset import security_manager

    password = checked_password(ADMIN_PASSWORD_ENV)
    admin = security_manager.find_user(username="admin")
    if admin is None:
        admin = security_manager.add_user(
            "admin",
            "Superset",
            "Admin",
            "admin@zhiwang.invalid",
            [security_manager.find_role("Admin")],
            password=password,
        )
    else:
        security_manager.reset_password(admin.id, password)
    return admin


def bootstrap(serving_path: Path) -> dict[str, float]:
    """Bring Superset at ``$SUPERSET_HOME`` in line with the repository; returns timings."""
    timings: dict[str, float] = {}
    if not serving_path.exists():
        # The datasets are declared against this file; Superset connects lazily,
        # so a missing copy is a warning (first run before any publish), not a failure.
        log.warning("serving copy %s does not exist yet", serving_path)
    start = time.perf_counter()
    migrated = migrate_if_needed()
    timings["migrate"] = time.perf_counter() - start if migrated else 0.0

    from flask import g
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        g.user = _ensure_admin()
        start = time.perf_counter()
        import_assets(render_assets(serving_path))
        timings["import_assets"] = time.perf_counter() - start
        start = time.perf_counter()
        apply_security(load_security(), DATABASE_NAME, catalog=serving_path.stem)
        timings["security"] = time.perf_counter() - start
    return timings
