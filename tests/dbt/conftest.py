"""Fixtures: the dbt project built on the hand-made raw layer (dirty and clean).

The dirty warehouse is built the way production builds it, one delivery at a
time: day 1, then day 2 incrementally. Its day-1 state is kept beside it
(``day1.duckdb``) for the incremental tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.dbt.dbt_helpers import SESSION, build, dbt_ok
from tests.dbt.raw_fixture import D1, deliver, write_warehouse
from zhiwang.settings import Settings

# day 1 only needs the models: the tests run once, after the day-2 build
MODELS_ONLY = ["--resource-type", "model", "--resource-type", "seed"]


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw layer with every planted case, built day by day."""
    tmp = tmp_path_factory.mktemp("dbt-dirty")
    warehouse = tmp / "warehouse.duckdb"
    write_warehouse(warehouse, up_to=D1)
    build(warehouse, tmp, *MODELS_ONLY)
    shutil.copy(warehouse, tmp / "day1.duckdb")
    deliver(warehouse, after=D1)
    build(warehouse, tmp)
    return warehouse


@pytest.fixture(scope="session")
def tiny_built(tiny_pipeline, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The tiny pipeline's warehouse (tests/conftest.py) after one `dbt build`."""
    settings = tiny_pipeline.settings
    build(settings.warehouse, tmp_path_factory.mktemp("tiny-dbt"))
    return settings


@pytest.fixture(scope="session")
def clean_fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture without cross-check cases, after `dbt build`."""
    tmp = tmp_path_factory.mktemp("dbt-clean")
    warehouse = tmp / "warehouse.duckdb"
    write_warehouse(warehouse, clean=True)
    build(warehouse, tmp)
    return warehouse


@pytest.fixture(scope="session")
def compiled_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """manifest.json after `dbt compile` (every node's compiled SQL) on an empty warehouse."""
    work = tmp_path_factory.mktemp("dbt-compile")
    dbt_ok(["compile", "--exclude", "source:dq+"], work / "empty.duckdb", work)
    return json.loads((SESSION / "target" / "manifest.json").read_text())
