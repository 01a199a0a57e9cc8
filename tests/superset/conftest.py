"""Superset fixtures: a real tiny serving copy, a bootstrapped SUPERSET_HOME, a live server.

The serving copy is built once per session by the pipeline's own code
(``tests/superset/build_serving.py``: generate → ingest → quality gates → dbt
build → publish) in the warehouse's uv environment. These tests run in the
Superset environment (``envs/superset/test.sh``); in the warehouse environment
only the static asset checks are collected.

``ZHIWANG_SUPERSET_TEST_VAR=<dir>`` keeps (and reuses, when its serving copy
exists) the built var dir between local runs; ``ZHIWANG_SUPERSET_TEST_HOME``
does the same for the migrated Superset home.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
ENV_DIR = REPO / "envs" / "superset"
OUTPUT_DIR = REPO / "test-output" / "superset"
# Generated per session: no test relies on a published default (zhiwang/secrets.py).
DEMO_PASSWORD = secrets.token_urlsafe(16)
SECRET_KEY = secrets.token_urlsafe(42)
PSEUDONYM_KEY = os.environ.get("ZHIWANG_PSEUDONYM_KEY") or secrets.token_urlsafe(32)
DEMO_USERS = {
    "SUPERSET_ADMIN_PASSWORD",
    "SUPERSET_DISTRICT_LEADER_PASSWORD",
    "SUPERSET_STREET_LEADER_PASSWORD",
    "SUPERSET_COMMUNITY_LEADER_PASSWORD",
    "SUPERSET_ANALYST_PASSWORD",
    "SUPERSET_DATA_OFFICE_PASSWORD",
}

if importlib.util.find_spec("flask_appbuilder") is None:
    # Warehouse env: Superset and Playwright live in envs/superset.
    collect_ignore_glob = ["test_live_*.py"]


@dataclass(frozen=True)
class ServingBuild:
    var_dir: Path
    serving_path: Path
    warehouse: Path
    raw_dir: Path
    data_docs: Path


@dataclass(frozen=True)
class SupersetServer:
    url: str
    home: Path
    serving_path: Path
    env: dict[str, str]
    build: ServingBuild


class RealServingBuild:
    """The real tiny chain, run by the warehouse environment (Superset's cannot import it).

    Started in the background so that Superset's metadata migration (about a
    minute) overlaps it; ``result()`` waits for it.
    """

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.serving_path = var_dir / "serving" / "zhiwang_serving.duckdb"
        self.proc: subprocess.Popen | None = None
        if not self.serving_path.exists():
            env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
            env = {k: v for k, v in env.items() if not k.startswith(("ZHIWANG_", "SUPERSET_"))}
            env["ZHIWANG_PSEUDONYM_KEY"] = PSEUDONYM_KEY
            self.proc = subprocess.Popen(
                ["uv", "run", "--frozen", "--project", str(REPO), "python", "-m",
                 "tests.superset.build_serving", str(var_dir)],
                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip

    def result(self) -> ServingBuild:
        if self.proc is not None:
            out, err = self.proc.communicate()
            if self.proc.returncode != 0:
                raise RuntimeError(f"building the tiny serving copy failed:\n{err[-4000:]}")
            timings = json.loads(out.strip().splitlines()[-1])["seconds"]
            print(f"real tiny serving copy built in {self.var_dir}: {timings}")
            self.proc = None
        return ServingBuild(
            var_dir=self.var_dir,
            serving_path=self.serving_path,
            warehouse=self.var_dir / "warehouse" / "zhiwang.duckdb",
            raw_dir=self.var_dir / "warehouse" / "raw",
            data_docs=self.var_dir / "data_docs",
        )


@pytest.fixture(scope="session")
def serving_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServingBuild]:
    kept = os.environ.get("ZHIWANG_SUPERSET_TEST_VAR")
    var_dir = Path(kept) if kept else tmp_path_factory.mktemp("tiny-var")
    build = RealServingBuild(var_dir.resolve())
    yield build
    if build.proc is not None and build.proc.poll() is None:
        build.proc.kill()
        build.proc.wait()


def superset_env(home: Path, serving_path: Path, data_docs: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ZHIWANG_DEV_MODE"}
    if data_docs is not None:
        env["ZHIWANG_DATA_DOCS_DIR"] = str(data_docs)
    env.update(
        SUPERSET_HOME=str(home),
        SUPERSET_CONFIG_PATH=str(ENV_DIR / "superset_config.py"),
        ZHIWANG_SERVING_PATH=str(serving_path),
        PYTHONPATH=str(REPO / "superset"),
        SUPERSET_SECRET_KEY=SECRET_KEY,
        # The var dir of this home: no developer's var/secrets.env is read.
        ZHIWANG_VAR_DIR=str(home),
        **dict.fromkeys(DEMO_USERS, DEMO_PASSWORD),
    )
    return env


def run_bootstrap(env: dict[str, str]) -> None:
    proc = subprocess.run([str(ENV_DIR / "bootstrap.sh")], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bootstrap failed ({proc.returncode}):\n{proc.stderr[-4000:]}")


@pytest.fixture(scope="session")
def superset_server(
    tmp_path_factory: pytest.TempPathFactory, serving_build: RealServingBuild
) -> Iterator[SupersetServer]:
    """Bootstrap Superset on the real tiny serving copy and serve it on a free port."""
    # ZHIWANG_SUPERSET_TEST_HOME reuses a migrated home between local runs (saves ~60 s).
    home = Path(os.environ.get("ZHIWANG_SUPERSET_TEST_HOME") or tmp_path_factory.mktemp("ss-home"))
    serving = serving_build.serving_path
    env = superset_env(home, serving, serving_build.var_dir / "data_docs")
    run_bootstrap(env)  # while the serving copy is being built
    built = serving_build.result()
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [str(ENV_DIR / ".venv" / "bin" / "gunicorn"), "-w", "2", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--timeout", "120", "superset.app:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield SupersetServer(url=url, home=home, serving_path=serving, env=env, build=built)
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
