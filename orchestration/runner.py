"""``zhiwang run`` through Airflow: initialise AIRFLOW_HOME, run the DAGs, return the paths.

The embedded default: Airflow in its own uv environment (``envs/airflow``),
SQLite metadata and ``AIRFLOW_HOME = <var_dir>/airflow``. The runs are real
DAG runs executed by ``orchestration.driver`` (``DAG.test``, the code path of
``airflow dags test``) in one Airflow process, so no scheduler, api-server or
triggerer has to start (≈70 s and two busy cores here). Production uses the
scheduler instead (``docker-compose.yml``), where the feed Assets trigger the
transform; the driver reproduces that rule explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from orchestration.callbacks import failures_path
from orchestration.plan import PlannedRun, plan_runs
from orchestration.schedules import TIMEZONE
from zhiwang.settings import PROJECT_ROOT, Settings

AIRFLOW_PROJECT = PROJECT_ROOT / "envs" / "airflow"
DAGS_FOLDER = PROJECT_ROOT / "dags"


@dataclass
class RunResult:
    """What a pipeline run left behind, and how each DAG run ended."""

    warehouse: Path
    serving: Path
    data_docs: Path | None
    brief_dir: Path | None
    briefs: list[Path]
    airflow_home: Path
    log_path: Path
    failures_path: Path
    runs: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_runs(self) -> list[dict]:
        return [r for r in self.runs if r.get("state") not in ("success", "not_triggered")]

    @property
    def ok(self) -> bool:
        return not self.failed_runs and self.serving.exists()


def airflow_home(settings: Settings) -> Path:
    """The project-local AIRFLOW_HOME (embedded default)."""
    return settings.var_dir / "airflow"


def airflow_environ(settings: Settings) -> dict[str, str]:
    """Environment for Airflow processes: its config and the project's settings."""
    home = airflow_home(settings)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        }
    )
    # The tasks build their Settings from ZHIWANG_*: hand over this run's values.
    names = ("var_dir", "landing_dir", "ground_truth_dir", "warehouse_path", "raw_dir",
             "serving_path", "reference_dir", "duckdb_threads", "dbt_threads",
             "duckdb_memory_limit", "max_file_bytes", "disclosure_threshold")  # fmt: skip
    for name in names:
        env[f"ZHIWANG_{name.upper()}"] = str(getattr(settings, name))
    env["ZHIWANG_PSEUDONYM_KEY"] = settings.pseudonym_secret()
    return env


def ensure_airflow_env() -> Path:
    """Install (or check) the Airflow environment from its committed lock; return its Python.

    ``--frozen``: exactly ``envs/airflow/uv.lock``, never re-resolved at run
    time. The lock also pins the root project's own dependencies (installed
    editable), so a change to the root ``pyproject.toml`` needs
    ``uv lock --project envs/airflow``; ``tests/orchestration/test_airflow_env.py``
    fails until that is done.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv not found: `pip install uv` first")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(
        [uv, "sync", "--frozen", "--quiet", "--project", str(AIRFLOW_PROJECT)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(
            f"could not install the Airflow environment ({AIRFLOW_PROJECT}, "
            f"`uv sync --frozen`, exit {proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return AIRFLOW_PROJECT / ".venv" / "bin" / "python"


def init_airflow_home(settings: Settings, python: Path, log: Path) -> Path:
    """Create AIRFLOW_HOME and its SQLite metadata (migrated once per Airflow version)."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(
        [str(python), "-c", "import airflow; print(airflow.__version__)"],
        capture_output=True, text=True, check=True, env=airflow_environ(settings),
    ).stdout.strip()  # fmt: skip
    marker = home / ".migrated"
    migrated = marker.read_text() if marker.exists() else ""
    if not (home / "airflow.db").exists() or migrated != version:
        with log.open("a") as out:
            subprocess.run(
                [str(python.with_name("airflow")), "db", "migrate"],
                check=True, env=airflow_environ(settings), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        marker.write_text(version)
    return home


def _find_data_docs(settings: Settings) -> Path | None:
    docs = settings.var_dir / "data_docs"
    index = next(iter(sorted(docs.rglob("index.html"))), None) if docs.exists() else None
    return index or (docs if docs.exists() else None)


def run_pipeline(
    settings: Settings,
    start: date,
    days: int,
    scale: str,
    *,
    seed: int = 42,
    dirt: float = 1.0,
    generate: bool = True,
    on_run: Callable[[dict], None] | None = None,
) -> RunResult:
    """Generate ``days`` deliveries from ``start`` (unless ``generate=False``) and run them
    through Airflow: every feed DAG on its cadence, the transform, the publish, the brief."""
    began = time.monotonic()
    if generate:
        from generator.api import generate as run_generate

        run_generate(
            settings.landing,
            settings.ground_truth,
            scale=scale,
            seed=seed,
            start=start,
            days=days,
            dirt=dirt,
        )
    runs = run_plan(settings, plan_runs(start, days), on_run=on_run)
    brief_dir = settings.var_dir / "reports" / (start + timedelta(days=days - 1)).isoformat()
    briefs = sorted(p for p in brief_dir.glob("brief_*") if p.suffix in (".html", ".pdf"))
    return RunResult(
        warehouse=settings.warehouse,
        serving=settings.serving,
        data_docs=_find_data_docs(settings),
        brief_dir=brief_dir if briefs else None,
        briefs=briefs,
        airflow_home=airflow_home(settings),
        log_path=airflow_home(settings) / "runner.log",
        failures_path=failures_path(settings),
        runs=runs,
        seconds=round(time.monotonic() - began, 1),
    )


def run_plan(
    settings: Settings, plan: list[PlannedRun], on_run: Callable[[dict], None] | None = None
) -> list[dict]:
    """Execute planned DAG runs through Airflow; return one record per run, in order."""
    python = ensure_airflow_env()
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "runner.log"
    init_airflow_home(settings, python, log_path)
    plan_path = home / "plan.json"
    results_path = home / "results.jsonl"
    plan_path.write_text(json.dumps([r.as_dict() for r in plan], indent=1))
    results_path.write_text("")
    return _drive(settings, python, plan_path, results_path, log_path, on_run)


def _drive(
    settings: Settings,
    python: Path,
    plan_path: Path,
    results_path: Path,
    log_path: Path,
    on_run: Callable[[dict], None] | None,
) -> list[dict]:
    runs: list[dict] = []
    with log_path.open("a") as out:
        proc = subprocess.Popen(
            [str(python), "-m", "orchestration.driver", str(plan_path), str(results_path)],
            env=airflow_environ(settings), cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        while True:
            finished = proc.poll() is not None
            lines = results_path.read_text().splitlines()
            for line in lines[len(runs) :]:
                record = json.loads(line)
                runs.append(record)
                if on_run:
                    on_run(record)
            if finished:
                break
            time.sleep(1.0)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"Airflow driver exited {proc.returncode}; see {log_path}")
    return runs
