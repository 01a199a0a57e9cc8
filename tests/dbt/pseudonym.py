"""The dbt pseudonym for joining test data: zhiwang/pseudonym.py under the tests' key."""

from __future__ import annotations

from zhiwang import pseudonym as _pseudonym

# the key every test dbt run gets in its environment (tests/dbt/dbt_helpers.py)
TEST_KEY = "zhiwang-tests-only-pseudonym-key-7f3a"


def pseudonym(value: str, key: str = TEST_KEY) -> str:
    """HMAC-SHA256(key, UPPER(TRIM(value))) as lower-case hex, like zw_pseudonym() in SQL."""
    result = _pseudonym.pseudonym(value, key)
    assert result is not None, "a blank value has no pseudonym"
    return result
