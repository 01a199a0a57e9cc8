"""One writer on the warehouse file, also outside Airflow.

The Airflow pool serialises the DAGs' tasks; this advisory lock additionally
serialises them with anything else started by hand (``zhiwang ingest``, a
developer's ``dbt build``) that takes the same lock, instead of letting one of
them die on DuckDB's ``Could not set lock on file``. The lock is ``filelock``'s
(an ``flock`` on ``<warehouse>.lock`` on Linux, so ``flock <warehouse>.lock …``
in a shell queues with it too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class WarehouseBusyError(TimeoutError):
    """Another process held the warehouse lock for longer than we were willing to wait."""


@contextmanager
def warehouse_lock(warehouse: Path, timeout_s: float = 3600.0) -> Iterator[None]:
    """Hold an exclusive advisory lock next to the warehouse file."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # Kept on release: deleting it would let a waiter and a newcomer lock two inodes.
    lock = FileLock(lock_path, timeout=timeout_s, poll_interval=0.5, preserve_lock_file=True)
    try:
        lock.acquire()
    except Timeout:
        raise WarehouseBusyError(
            f"{lock_path} held for over {timeout_s:.0f}s by another writer; wait for it to "
            "finish (an Airflow task, `zhiwang ingest` or a hand-started dbt build)"
        ) from None
    try:
        yield
    finally:
        lock.release()
