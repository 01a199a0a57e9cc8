"""Severity and the small helpers every suite uses.

The severity rule (one rule for every suite):

* ``fail`` (GX ``critical``) — the delivery as a whole cannot be trusted, so
  transforming it would publish wrong numbers for *everyone* downstream: the
  file's shape is not the contract's (missing/extra columns, wrong types), a
  column the contract requires is null, the delivery is empty or its volume
  collapsed/exploded against the previous delivery by an order of magnitude,
  a large share of rows is quarantined or carries invalid identifiers or codes
  (a broken export, not dirty rows), or timestamps lie in the future (a clock
  or time-zone fault). Fail thresholds are loose on purpose: they catch broken
  deliveries, not dirty rows.
* ``warn`` (GX ``warning``) — the delivery is usable and row-level defects are
  already quarantined or flagged by the ingest; the signal is worth a look:
  small invalid-identifier or unknown-code rates, date-order violations,
  moderate volume changes, stale update times, distribution drift (hukou
  share, mean age, event category mix) and cross-table misses that late
  arrivals can explain (an event's grid, a contribution's employer).

Where a measure can be both, it is checked twice (:func:`tiered`): strictly as
``warn`` and loosely as ``fail``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

Severity = Literal["fail", "warn"]

GX_SEVERITY: dict[Severity, str] = {"fail": "critical", "warn": "warning"}
FROM_GX_SEVERITY: dict[str, Severity] = {v: k for k, v in GX_SEVERITY.items()}


def expect(cls: type, severity: Severity, check: str, **kwargs: Any) -> Any:
    """One GX expectation tagged with our severity and a stable check name."""
    meta = {"check": check, "severity": severity}
    return cls(severity=GX_SEVERITY[severity], meta=meta, **kwargs)


def tiered(
    cls: type,
    check: str,
    warn: dict[str, Any],
    fail: dict[str, Any],
    **common: Any,
) -> list[Any]:
    """The same measure as a strict ``warn`` and a loose ``fail`` expectation."""
    return [
        expect(cls, "warn", check, **common, **warn),
        expect(cls, "fail", check, **common, **fail),
    ]


def flag_like(code: str, column: str) -> str:
    """LIKE pattern for ``_flags`` carrying ``code:column`` (GX has no DuckDB regex)."""
    return f"%{code}:{column}%"


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ratio_bounds(previous: int | None, low: float, high: float) -> tuple[int | None, int | None]:
    """Row-count bounds around the previous delivery (None: nothing to compare)."""
    if not previous:
        return None, None
    return int(previous * low), int(previous * high) + 1


Builder = Callable[..., list[Any]]
