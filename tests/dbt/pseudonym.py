"""The dbt pseudonym (macros/pseudonym.sql) in Python, for joining test data."""

from __future__ import annotations

import hashlib
import os


def pseudonym(value: str, key: str | None = None) -> str:
    """sha256(key|sha256(key|UPPER(TRIM(value)))) as lower-case hex, like the SQL.

    The key defaults to the session's ``ZHIWANG_PSEUDONYM_KEY`` (tests/conftest.py
    generates one), the key the dbt builds of the tests run with.
    """
    key = key if key is not None else os.environ["ZHIWANG_PSEUDONYM_KEY"]
    normalised = value.strip().upper()
    inner = hashlib.sha256(f"{key}|{normalised}".encode()).hexdigest()
    return hashlib.sha256(f"{key}|{inner}".encode()).hexdigest()
