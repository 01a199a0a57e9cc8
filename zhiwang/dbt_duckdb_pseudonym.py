"""dbt-duckdb plugin: ``zw_pseudonym(varchar) -> varchar``, HMAC-SHA256 under the environment's key.

Named in dbt_project/profiles.yml (``plugins: - module: zhiwang.dbt_duckdb_pseudonym``),
so every connection dbt opens has the function the ``pseudonym()`` macro calls.
The key comes from ``ZHIWANG_PSEUDONYM_KEY`` in dbt's process environment and
stays in this process's memory; the plugin refuses to load without it, so no
model is ever built with a missing or empty key.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from zhiwang.pseudonym import key_from_environment, register_duckdb


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # read once, when dbt loads the profile: a missing key stops dbt before any model
        self._key = key_from_environment()

    def configure_connection(self, conn: Any) -> None:
        register_duckdb(conn, self._key)
