"""dbt-duckdb plugin: ``zw_pseudonym(varchar) -> varchar``, HMAC-SHA256 (128 bits), installed key.

Named in dbt_project/profiles.yml (``plugins: - module: zhiwang.dbt_duckdb_pseudonym``),
so every connection dbt opens has the function the ``pseudonym()`` macro calls.
The key is the one :class:`zhiwang.settings.Settings` resolves: the process
environment's ``ZHIWANG_PSEUDONYM_KEY`` (how ``zhiwang run``, Airflow and the
tests hand it over), else ``.env``, else the generated ``<var_dir>/secrets.env``.
An empty, published or weak key is refused there (zhiwang/secrets.py), and a
missing one too, so no model is ever built with a default key. The key stays in
this process's memory: neither SQL, nor dbt's logs or ``target/`` hold it.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from zhiwang.pseudonym import register_duckdb
from zhiwang.settings import Settings


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # read once, when dbt loads the profile: a missing or refused key stops dbt
        # before any model runs, with what to do
        self._key = Settings().pseudonym_secret().encode("utf-8")

    def configure_connection(self, conn: Any) -> None:
        register_duckdb(conn, self._key)
