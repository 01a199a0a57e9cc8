"""The dbt pseudonym for joining test data: zhiwang/pseudonym.py under the tests' key."""

from __future__ import annotations

import os

from zhiwang import pseudonym as _pseudonym


def session_key() -> str:
    """The key every test dbt run gets in its environment: the session's
    ``ZHIWANG_PSEUDONYM_KEY`` (tests/conftest.py generates a random one per
    session; a developer's own key from the environment wins). No key is
    written in the repository."""
    return os.environ["ZHIWANG_PSEUDONYM_KEY"]


def pseudonym(value: str, key: str | None = None) -> str:
    """HMAC-SHA256(key, UPPER(TRIM(value))) cut to 128 bits (32 hex characters), like
    zw_pseudonym() in SQL."""
    result = _pseudonym.pseudonym(value, session_key() if key is None else key)
    assert result is not None, "a blank value has no pseudonym"
    return result
