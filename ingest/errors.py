"""Ingest errors shown to a person: each message says what to do next."""

from __future__ import annotations

from zhiwang.errors import ZhiwangError


class IngestError(ZhiwangError):
    """Base class of everything the ingest raises to the CLI."""


class LandingNotFoundError(IngestError):
    """The landing folder does not exist."""


class UnknownFeedError(IngestError):
    """A feed asked for on the command line has no contract."""


class WarehouseLockedError(IngestError):
    """Another process holds the DuckDB warehouse file."""


class FileRejected(Exception):
    """A delivered file cannot be read as a whole; every row goes to quarantine."""

    def __init__(self, message: str, received: int, originals: list[str] | None = None) -> None:
        super().__init__(message)
        self.received = received
        self.originals = originals or []
