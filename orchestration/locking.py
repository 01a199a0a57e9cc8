"""One writer on the warehouse file, also outside Airflow.

The Airflow pool serialises the DAGs' tasks; this advisory lock additionally
serialises them with anything else started by hand (``zhiwang ingest``, a
developer's ``dbt build``) that takes the same lock, instead of letting one of
them die on DuckDB's ``Could not set lock on file``.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusyError(TimeoutError):
    """Another process held the warehouse lock for longer than we were willing to wait."""


@contextmanager
def warehouse_lock(warehouse: Path, timeout_s: float = 3600.0) -> Iterator[None]:
    """Hold an exclusive advisory lock next to the warehouse file."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with lock_path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusyError(
                        f"{lock_path} held for over {timeout_s:.0f}s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
