"""One typed settings object for the whole project.

Every value comes from the environment (prefix ``ZHIWANG_``) or a ``.env`` file,
with the defaults documented in ``.env.example``. Nothing else in the project
reads ``os.environ`` for its own configuration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhiwang.secrets import PSEUDONYM_KEY, check, read_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Paths, files and secrets of one zhiwang installation."""

    model_config = SettingsConfigDict(
        env_prefix="ZHIWANG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
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
        default=1,
        description="dbt models built at once. DuckDB already spreads each query over "
        "duckdb_threads; two concurrent models on 2 cores were slower than one at a time "
        "(bench/transform.py, same saved state: daily run 79.0 s against 54.6 s).",
    )
    duckdb_memory_limit: str = Field(default="8GB", description="DuckDB memory limit.")
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
