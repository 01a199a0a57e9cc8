"""The one pseudonym of personal data: HMAC-SHA256(key, UPPER(TRIM(value))) truncated to 128 bits,
as 32 lower-case hex characters.

Every pseudonym in the project comes from here: the DuckDB function
``zw_pseudonym`` that dbt's plugin registers (zhiwang/dbt_duckdb_pseudonym.py),
the Spark UDF of the same name (envs/spark/dbt_spark.py loads this file by
path), and every Python caller (tests, tools) that joins on pseudonyms.

The key is read from the process environment (``ZHIWANG_PSEUDONYM_KEY``) and
kept in memory: the dbt macro emits only ``zw_pseudonym(<expr>)``, so neither
compiled SQL, dbt's logs and ``target/`` (manifest, partial-parse state) nor an
Airflow task log ever holds it. Changing the key changes every pseudonym: it is
a full refresh of the warehouse (docs/PRIVACY.md).

Why 128 bits: a truncated HMAC is a standard MAC (RFC 2104 section 5: at least
half the hash's length and 80 bits; NIST SP 800-107r1 section 5.3.3), still
keyed, so guessing an ID's pseudonym without the key is no easier. Two of the
city's ~20 M persons, names or phones share one with odds of about 1e-24. And
every join, grouping and write of the warehouse's person keys moves half the
bytes of the full 64-character digest (issue 15: docs/PRIVACY.md gives the
measurement).

Standard library only (pyarrow is imported by the Arrow variant when called):
the Spark environment loads this file without installing the project.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

FUNCTION_NAME = "zw_pseudonym"
KEY_VARIABLE = "ZHIWANG_PSEUDONYM_KEY"
# characters of the hex digest kept: 128 bits (see the module docstring)
HEX_CHARACTERS = 32
# a fixed text whose pseudonym identifies the key without revealing it
FINGERPRINT_SUBJECT = "ZHIWANG-PSEUDONYM-KEY-FINGERPRINT"


class PseudonymKeyMissingError(RuntimeError):
    """No pseudonym key in the environment: nothing may be pseudonymised."""


def key_from_environment(environ: Mapping[str, str] | None = None) -> bytes:
    """The key from ``ZHIWANG_PSEUDONYM_KEY``; a clear error when it is unset or blank."""
    value = (os.environ if environ is None else environ).get(KEY_VARIABLE, "")
    if not value.strip():
        raise PseudonymKeyMissingError(
            f"{KEY_VARIABLE} is not set: the pseudonym function {FUNCTION_NAME}() cannot be "
            "registered. Set it in the environment or .env (`zhiwang run` passes the "
            "installation's key to dbt; for a manual `dbt build`, export it first). "
            "Never write it into a file dbt or Airflow logs."
        )
    return value.encode("utf-8")


def subject(value: str | None) -> str | None:
    """What a pseudonym is computed from: trimmed, upper-cased; empty is no value."""
    if value is None:
        return None
    normalised = value.strip().upper()
    return normalised or None


class _Keyed:
    """``value -> pseudonym`` for one key. The key's HMAC state is prepared once per
    process; pickling (Spark sends a UDF to its Python workers) carries the key bytes
    in memory and each worker prepares its own state (an HMAC object cannot be pickled)."""

    __slots__ = ("_key", "_prepared")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._prepared = hmac.new(key, digestmod=hashlib.sha256)

    def __reduce__(self) -> tuple[type[_Keyed], tuple[bytes]]:
        return (_Keyed, (self._key,))

    def __call__(self, value: str | None) -> str | None:
        normalised = subject(value)
        if normalised is None:
            return None
        mac = self._prepared.copy()
        mac.update(normalised.encode("utf-8"))
        return mac.hexdigest()[:HEX_CHARACTERS]


def keyed(key: str | bytes) -> Callable[[str | None], str | None]:
    """``value -> pseudonym`` for one key (the key's HMAC state is prepared once)."""
    return _Keyed(key.encode("utf-8") if isinstance(key, str) else key)


def pseudonym(value: str | None, key: str | bytes) -> str | None:
    """HMAC-SHA256(key, UPPER(TRIM(value))), its first 128 bits as hex; None for a
    missing or blank value."""
    return keyed(key)(value)


def pseudonyms(values: Iterable[str | None], key: str | bytes) -> list[str | None]:
    function = keyed(key)
    return [function(v) for v in values]


def fingerprint(key: str | bytes) -> str:
    """A public identifier of the key (the pseudonym of a fixed text), to detect a key change."""
    return keyed(key)(FINGERPRINT_SUBJECT) or ""


def arrow_function(key: str | bytes) -> Callable[[Any], Any]:
    """The vectorised form for DuckDB (``type='arrow'``): a string array in, a string array out."""
    import pyarrow as pa

    function = keyed(key)

    def zw_pseudonym(values: Any) -> Any:
        return pa.array([function(v) for v in values.to_pylist()], type=pa.string())

    return zw_pseudonym


def register_duckdb(connection: Any, key: str | bytes) -> None:
    """``zw_pseudonym(varchar) -> varchar`` on one DuckDB connection."""
    from duckdb import sqltypes

    connection.create_function(
        FUNCTION_NAME,
        arrow_function(key),
        [sqltypes.VARCHAR],
        sqltypes.VARCHAR,
        type="arrow",
        null_handling="special",
        side_effects=False,
    )
