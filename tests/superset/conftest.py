"""Superset fixtures: a fixture serving file, a bootstrapped SUPERSET_HOME, a live server.

These tests run in the Superset environment (``envs/superset/test.sh``); in
the warehouse environment only the static asset checks are collected.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV_DIR = REPO / "envs" / "superset"
OUTPUT_DIR = REPO / "test-output" / "superset"
DEMO_PASSWORD = "zhiwang-test-password"
DEMO_USERS = {
    "SUPERSET_ADMIN_PASSWORD",
    "SUPERSET_DISTRICT_LEADER_PASSWORD",
    "SUPERSET_STREET_LEADER_PASSWORD",
    "SUPERSET_COMMUNITY_LEADER_PASSWORD",
    "SUPERSET_ANALYST_PASSWORD",
}

if importlib.util.find_spec("flask_appbuilder") is None:
    # Warehouse env: Superset and Playwright live in envs/superset.
    collect_ignore_glob = ["test_live_*.py"]


@dataclass(frozen=True)
class SupersetServer:
    url: str
    home: Path
    serving_path: Path
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def superset_env(home: Path, serving_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SUPERSET_HOME=str(home),
        SUPERSET_CONFIG_PATH=str(ENV_DIR / "superset_config.py"),
        ZHIWANG_SERVING_PATH=str(serving_path),
        PYTHONPATH=str(REPO / "superset"),
        **dict.fromkeys(DEMO_USERS, DEMO_PASSWORD),
    )
    return env


def run_bootstrap(env: dict[str, str]) -> None:
    subprocess.run([str(ENV_DIR / "bootstrap.sh")], env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def superset_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetServer]:
    """Bootstrap Superset on the fixture serving file and serve it on a free port."""
    from tests.superset.serving_fixture import build_serving_fixture

    # ZHIWANG_SUPERSET_TEST_HOME reuses a migrated home between local runs (saves ~60 s).
    home = Path(os.environ.get("ZHIWANG_SUPERSET_TEST_HOME") or tmp_path_factory.mktemp("ss-home"))
    serving = build_serving_fixture(tmp_path_factory.mktemp("serving") / "zhiwang_serving.duckdb")
    env = superset_env(home, serving)
    run_bootstrap(env)
    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [str(ENV_DIR / ".venv" / "bin" / "gunicorn"), "-w", "2", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--timeout", "120", "superset.app:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield SupersetServer(url=url, home=home, serving_path=serving, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 180) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("Superset server exited during start-up; see server.log")
        try:
            # Workers build the app on their first request: a slow answer is normal.
            if requests.get(f"{url}/health", timeout=30).text == "OK":
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise TimeoutError(f"Superset not healthy after {timeout} s")
