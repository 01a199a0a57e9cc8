"""Fixtures: the dbt project built on the hand-made raw layer (dirty and clean)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt.dbt_helpers import build
from tests.dbt.raw_fixture import write_warehouse


def _built(tmp: Path, clean: bool) -> Path:
    warehouse = tmp / "warehouse.duckdb"
    write_warehouse(warehouse, clean=clean)
    build(warehouse, tmp)
    return warehouse


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw layer with every planted case, after `dbt build`."""
    return _built(tmp_path_factory.mktemp("dbt-dirty"), clean=False)


@pytest.fixture(scope="session")
def clean_fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture without cross-check cases, after `dbt build`."""
    return _built(tmp_path_factory.mktemp("dbt-clean"), clean=True)
