"""One typed settings object for the whole project.

Every value comes from the environment (prefix ``ZHIWANG_``) or the project's
``.env`` file (``<project root>/.env``, wherever the command is started from;
``ZHIWANG_ENV_FILE`` names another), with the defaults documented in
``.env.example``. Every path the project writes is a field here: nothing else
in the project builds one from ``var_dir`` or reads ``os.environ`` for its own
configuration. The Superset side (another environment, no pydantic) reads the
same names from the same file: ``superset/zhiwang_superset/envfile.py``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhiwang.secrets import PSEUDONYM_KEY, check, read_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def env_file() -> Path:
    """The ``.env`` file: ``ZHIWANG_ENV_FILE``, else the one at the project root."""
    return Path(os.environ.get("ZHIWANG_ENV_FILE") or PROJECT_ROOT / ".env")


class Settings(BaseSettings):
    """Paths, files and secrets of one zhiwang installation."""

    model_config = SettingsConfigDict(
        env_prefix="ZHIWANG_", env_file=env_file(), env_file_encoding="utf-8", extra="ignore"
    )

    var_dir: Path = Field(
        default=PROJECT_ROOT / "var",
        description="Root of everything the pipeline writes (git-ignored).",
    )
    landing_dir: Path | None = Field(
        default=None, description="Where departments deliver: <landing>/<feed>/<yyyy-mm-dd>/."
    )
    ground_truth_dir: Path | None = Field(
        default=None, description="Generator's manifest of planted defects (never in landing)."
    )
    warehouse_path: Path | None = Field(
        default=None, description="The DuckDB warehouse file (one writer at a time)."
    )
    raw_dir: Path | None = Field(
        default=None, description="Parquet files behind the DuckDB `raw` schema views."
    )
    serving_path: Path | None = Field(
        default=None, description="Published read-only copy of the marts that Superset reads."
    )
    data_docs_dir: Path | None = Field(
        default=None,
        description="Great Expectations Data Docs site (Superset serves it at /data_docs/).",
    )
    gx_dir: Path | None = Field(
        default=None, description="Great Expectations project: suites, checkpoints, results."
    )
    reports_dir: Path | None = Field(
        default=None, description="Weekly briefs: <reports>/<week end>/brief_*.html|pdf."
    )
    dbt_target_dir: Path | None = Field(
        default=None, description="dbt's target path (manifest, run_results.json, compiled SQL)."
    )
    dbt_log_dir: Path | None = Field(default=None, description="dbt's log path (dbt.log).")
    airflow_home: Path | None = Field(
        default=None, description="AIRFLOW_HOME of the embedded default (SQLite metadata, logs)."
    )
    failures_path: Path | None = Field(
        default=None, description="Journal of failures a data engineer must see (JSON lines)."
    )
    superset_home: Path | None = Field(
        default=None,
        # Superset's own variable, read by the Superset side too (envs/superset)
        validation_alias=AliasChoices("SUPERSET_HOME", "superset_home"),
        description="SUPERSET_HOME: Superset's state and SQLite metadata.",
    )
    reference_dir: Path = Field(
        default=PROJECT_ROOT / "seeds" / "reference",
        description="Real NBS division codes and district boundaries.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="HMAC key for personal-data pseudonyms. Unset: the one generated in "
        "<var_dir>/secrets.env (zhiwang/secrets.py). Empty or published values are refused.",
    )
    disclosure_threshold: int = Field(
        default=5,
        ge=2,
        description="Statistical disclosure control: a published count of persons in "
        "(0, threshold) is suppressed (with complementary cells), and every published "
        "combination of a person's quasi-identifiers is shared by at least this many "
        "persons (k of k-anonymity). docs/PRIVACY.md.",
    )
    duckdb_threads: int = Field(default=2, description="DuckDB worker threads.")
    dbt_threads: int = Field(
        default=2,
        description="dbt nodes built at once. DuckDB already spreads each query over "
        "duckdb_threads, but most of a daily build's ~630 nodes are small queries and tests "
        "that keep one core busy: with two at a time the district daily build took 84.3 s and "
        "81.9 s against 98.3 s and 89.3 s with one (bench/transform.py --from-state "
        "--daily-build, same saved state, alternated), at 6.5-6.7 GB peak against 6.2 GB. "
        "Three at a time are slower again, the large queries contending for the cores: "
        "77.3 and 73.4 s against 73.1 and 69.0 s with two (same bench, 2026-12-06), at "
        "7.1 GB peak against 6.4-6.7 GB. "
        "City scale runs with 1 (bench/report.py sets it): there DuckDB's 10 GB memory "
        "limit binds and the daily build already peaks at 10.7 GB of its 12 GB target.",
    )
    duckdb_memory_limit: str = Field(default="8GB", description="DuckDB memory limit.")
    duckdb_block_allocator_memory: str = Field(
        default="4GB",
        description="Memory DuckDB's buffer blocks may keep once touched instead of handing "
        "it back to the kernel after each query (DuckDB's block_allocator_memory; taken from "
        "the memory limit, not added to it). Without it a daily build spends a sixth of its "
        "CPU time in the kernel mapping and zeroing pages again: with 4 GB the district daily "
        "build took 89.7 s and 88.6 s against 92.6 s and 94.3 s (bench/transform.py "
        "--from-state --daily-build, same saved state, alternated), at the same peak RSS. The "
        "ingest's connection uses it too (even there: 73.3 and 78.9 s against 77.8 and 75.7 s).",
    )
    max_file_bytes: int = Field(
        default=8 << 30,
        gt=0,
        description="Delivered files larger than this are refused unread (status refused).",
    )

    def model_post_init(self, __context: object) -> None:
        var = self.var_dir
        self.landing_dir = self.landing_dir or var / "landing"
        self.ground_truth_dir = self.ground_truth_dir or var / "ground_truth"
        self.warehouse_path = self.warehouse_path or var / "warehouse" / "zhiwang.duckdb"
        self.raw_dir = self.raw_dir or var / "warehouse" / "raw"
        self.serving_path = self.serving_path or var / "serving" / "zhiwang_serving.duckdb"
        self.data_docs_dir = self.data_docs_dir or var / "data_docs"
        self.gx_dir = self.gx_dir or var / "gx"
        self.reports_dir = self.reports_dir or var / "reports"
        self.dbt_target_dir = self.dbt_target_dir or var / "dbt" / "target"
        self.dbt_log_dir = self.dbt_log_dir or var / "dbt" / "logs"
        self.airflow_home = self.airflow_home or var / "airflow"
        self.failures_path = self.failures_path or var / "ops" / "failures.jsonl"
        self.superset_home = self.superset_home or var / "superset"
        if self.pseudonym_key is None:
            generated = read_secrets(var).get(PSEUDONYM_KEY)
            self.pseudonym_key = SecretStr(generated) if generated is not None else None
        if self.pseudonym_key is not None:
            # A given key must be a real secret: never a default published in the repository.
            check(PSEUDONYM_KEY, self.pseudonym_key.get_secret_value(), var)

    def pseudonym_secret(self) -> str:
        """The pseudonym key, or a clear error when there is none yet."""
        if self.pseudonym_key is None:
            return check(PSEUDONYM_KEY, None, self.var_dir)
        return self.pseudonym_key.get_secret_value()

    # Typed accessors: the post-init above guarantees these are set.
    @property
    def landing(self) -> Path:
        assert self.landing_dir is not None
        return self.landing_dir

    @property
    def ground_truth(self) -> Path:
        assert self.ground_truth_dir is not None
        return self.ground_truth_dir

    @property
    def warehouse(self) -> Path:
        assert self.warehouse_path is not None
        return self.warehouse_path

    @property
    def raw(self) -> Path:
        assert self.raw_dir is not None
        return self.raw_dir

    @property
    def serving(self) -> Path:
        assert self.serving_path is not None
        return self.serving_path

    @property
    def data_docs(self) -> Path:
        assert self.data_docs_dir is not None
        return self.data_docs_dir

    @property
    def gx(self) -> Path:
        assert self.gx_dir is not None
        return self.gx_dir

    @property
    def reports(self) -> Path:
        assert self.reports_dir is not None
        return self.reports_dir

    @property
    def dbt_target(self) -> Path:
        assert self.dbt_target_dir is not None
        return self.dbt_target_dir

    @property
    def dbt_logs(self) -> Path:
        assert self.dbt_log_dir is not None
        return self.dbt_log_dir

    @property
    def airflow(self) -> Path:
        assert self.airflow_home is not None
        return self.airflow_home

    @property
    def failures(self) -> Path:
        assert self.failures_path is not None
        return self.failures_path

    @property
    def superset(self) -> Path:
        assert self.superset_home is not None
        return self.superset_home

    def environ(self) -> dict[str, str]:
        """These settings as ``ZHIWANG_*`` variables, for a process that builds its own
        ``Settings`` (Airflow tasks, dbt): it sees exactly this run's paths and limits."""
        env = {
            f"ZHIWANG_{name.upper()}": str(value)
            for name, value in self
            if value is not None and name not in ("pseudonym_key", "superset_home")
        }
        env["SUPERSET_HOME"] = str(self.superset)
        env["ZHIWANG_PSEUDONYM_KEY"] = self.pseudonym_secret()
        return env


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
