"""The dbt pseudonym (macros/pseudonym.sql) in Python, for joining test data."""

from __future__ import annotations

import hashlib

DEV_KEY = "zhiwang-dev-only-change-me"


def pseudonym(value: str, key: str = DEV_KEY) -> str:
    """sha256(key|sha256(key|UPPER(TRIM(value)))) as lower-case hex, like the SQL."""
    normalised = value.strip().upper()
    inner = hashlib.sha256(f"{key}|{normalised}".encode()).hexdigest()
    return hashlib.sha256(f"{key}|{inner}".encode()).hexdigest()
