"""Static checks of the dashboards-as-code YAML (run in any environment)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ASSETS = Path(__file__).resolve().parents[2] / "superset" / "assets"
SECURITY = ASSETS.parent / "security.yaml"


def _load(kind: str) -> list[dict]:
    return [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((ASSETS / kind).rglob("*.yaml"))
    ]


def test_only_the_serving_path_is_templated_and_no_path_is_committed() -> None:
    for path in ASSETS.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert set(re.findall(r"\$\{(\w+)\}", text)) <= {"ZHIWANG_SERVING_PATH"}, path
        assert not re.search(r"(/work/|/tmp/|/home/|/root/|\bvar/serving)", text), path


def test_assets_link_by_uuid_only() -> None:
    databases = {d["uuid"] for d in _load("databases")}
    datasets = {d["uuid"]: d for d in _load("datasets")}
    charts = {c["uuid"]: c for c in _load("charts")}
    assert all(d["database_uuid"] in databases for d in datasets.values())
    assert all(c["dataset_uuid"] in datasets for c in charts.values())
    placed = set()
    for dashboard in _load("dashboards"):
        for node in dashboard["position"].values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                # Without its uuid a chart is duplicated on every re-import.
                assert node["meta"]["uuid"] in charts, node["id"]
                assert node["meta"].get("chartId", 0) == 0
                placed.add(node["meta"]["uuid"])
        for native_filter in dashboard["metadata"]["native_filter_configuration"]:
            for target in native_filter["targets"]:
                assert "datasetId" not in target
                assert target.get("datasetUuid", next(iter(datasets))) in datasets
    assert placed == set(charts), "every chart sits on a dashboard"


def test_every_geo_dataset_carries_street_and_community_codes() -> None:
    security = yaml.safe_load(SECURITY.read_text(encoding="utf-8"))
    datasets = {d["table_name"]: d for d in _load("datasets")}
    assert set(security["geo_datasets"]) | set(security["district_datasets"]) == set(datasets)
    for name in security["geo_datasets"]:
        columns = {c["column_name"] for c in datasets[name]["columns"]}
        assert {"street_code", "community_code"} <= columns, name


def test_datasets_read_only_the_marts_schema() -> None:
    for dataset in _load("datasets"):
        assert dataset["schema"] == "marts"
        assert dataset["sql"] is None, "virtual datasets could reach below the marts"
