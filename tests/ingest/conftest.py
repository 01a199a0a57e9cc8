"""Fixtures shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhiwang.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh var dir, with the repository's reference data."""
    return Settings(var_dir=tmp_path / "var", reference_dir=Path("seeds/reference").resolve())
