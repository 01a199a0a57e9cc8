"""Shared fixtures: one tiny generated-and-ingested warehouse per test session."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from zhiwang.settings import Settings

# Tests never run on a published default: one random pseudonym key per session
# (a developer's own key from the environment wins). zhiwang/secrets.py refuses defaults.
os.environ.setdefault("ZHIWANG_PSEUDONYM_KEY", secrets.token_urlsafe(32))

TINY_START = date(2026, 10, 1)
TINY_DAYS = 7


@dataclass
class TinyPipeline:
    settings: Settings
    generated: object
    report: object


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> TinyPipeline:
    """Generate `tiny` deliveries (default dirt) and ingest them once."""
    from generator.api import generate
    from ingest.api import ingest

    var: Path = tmp_path_factory.mktemp("tiny-var")
    settings = Settings(var_dir=var)
    generated = generate(
        settings.landing,
        settings.ground_truth,
        scale="tiny",
        seed=42,
        start=TINY_START,
        days=TINY_DAYS,
        dirt=1.0,
    )
    report = ingest(settings)
    return TinyPipeline(settings=settings, generated=generated, report=report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the dbt helper's per-session folder (its shared target/, about 20 MB),
    which would otherwise stay in the temp dir after every test session."""
    helpers = sys.modules.get("tests.dbt.dbt_helpers")
    if helpers is not None:
        shutil.rmtree(helpers.SESSION, ignore_errors=True)
