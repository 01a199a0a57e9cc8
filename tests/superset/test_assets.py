"""Static checks of the dashboards-as-code YAML (run in any environment)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "superset" / "assets"
SECURITY = ASSETS.parent / "security.yaml"
MARTS = REPO / "dbt_project" / "models" / "marts"
sys.path.insert(0, str(REPO / "superset"))

from zhiwang_superset.exposures import (  # noqa: E402
    EXPOSURES_FILE,
    chart_marts,
    dashboard_charts,
    dataset_marts,
    dataset_sql,
    relation_models,
    render_exposures,
)

from tests.privacy import internal_models  # noqa: E402


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
    groups = ("geo_datasets", "district_datasets", "open_datasets", "stewardship_datasets")
    assert set().union(*(security[g] for g in groups)) == set(datasets)
    for name in security["geo_datasets"]:
        columns = {c["column_name"] for c in datasets[name]["columns"]}
        assert {"street_code", "community_code"} <= columns, name
    # open datasets reach every leader unfiltered: nothing geographic or personal in them
    for name in security["open_datasets"]:
        columns = {c["column_name"] for c in datasets[name]["columns"]}
        assert not columns & {"street_code", "community_code", "grid_code", "person_key"}, name


def _reads(model: str, mart: str) -> bool:
    """The model is ``mart`` or reads it (``ref`` / ``published`` in its SQL)."""
    if model == mart:
        return True
    path = next(MARTS.rglob(f"{model}.sql"), None)
    text = path.read_text(encoding="utf-8") if path else ""
    return bool(re.search(rf"\b(?:ref|published)\(\s*'{mart}'\s*\)", text))


def test_every_dashboard_shows_how_far_each_feeds_data_run() -> None:
    """Issue 12: every dashboard shows each feed's data date and flags a feed behind."""
    datasets = {d["uuid"]: d for d in _load("datasets")}
    charts = {c["uuid"]: c for c in _load("charts")}
    for dashboard in _load("dashboards"):
        shown = set()
        for node in dashboard["position"].values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                chart = charts[node["meta"]["uuid"]]
                dataset = datasets[chart["dataset_uuid"]]
                if any(_reads(m, "rpt_feed_freshness") for m in dataset_marts(dataset)):
                    shown |= set(chart["params"].get("all_columns") or [])
                    shown |= set(chart["params"].get("groupby") or [])
                    shown |= set(chart["params"].get("metrics") or [])
        assert {"data_through_date", "days_behind"} <= shown, dashboard["slug"]


def test_datasets_read_only_the_marts_schema() -> None:
    for dataset in _load("datasets"):
        assert dataset["schema"] == "marts"
        sql = re.sub(r"--[^\n]*", "", dataset_sql(dataset))
        # Every relation a virtual dataset reads is a marts.<model> (or its own CTE).
        relations = re.findall(r"\b(?:from|join)\s+([\w.\"]+)", sql, flags=re.IGNORECASE)
        ctes = set(re.findall(r"(\w+)\s+as\s*\(", sql, flags=re.IGNORECASE))
        outside = [r for r in relations if not r.startswith("marts.") and r not in ctes]
        assert not outside, f"{dataset['table_name']} reads {outside}"
        assert not re.search(r"read_\w+\s*\(|attach|'[^']*\.(parquet|csv|duckdb)'", sql, re.I)


def _model_columns() -> dict[str, dict[str, dict]]:
    """Every marts model's documented columns, from the models' YAML."""
    out: dict[str, dict[str, dict]] = {}
    for path in MARTS.rglob("_*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            out[model["name"]] = {c["name"]: c for c in model.get("columns", [])}
    return out


def test_every_dataset_is_a_plain_select_of_a_contracted_dbt_model() -> None:
    """Issue 14: the SQL lives in dbt (tested, documented, contracted); a dataset is a
    physical dataset on the model of its name, keeping only labels and metrics."""
    models = _model_columns()
    project = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text("utf-8"))
    assert project["models"]["zhiwang"]["marts"]["+contract"] == {"enforced": True}
    for dataset in _load("datasets"):
        name = dataset["table_name"]
        assert dataset["sql"] is None, f"{name}: a virtual dataset (move its SQL into dbt)"
        assert name in models, f"{name}: no dbt model of that name under models/marts"
        columns = models[name]
        for column in dataset["columns"]:
            assert column["expression"] is None, f"{name}.{column['column_name']}: SQL in Superset"
            assert column["column_name"] in columns, f"{name}.{column['column_name']} not in dbt"
            assert columns[column["column_name"]].get("description"), column["column_name"]


def test_every_dataset_reads_existing_published_mart_models() -> None:
    models = {p.stem for p in MARTS.rglob("*.sql")}
    relations = relation_models()  # marts.dim_person is the model dim_person_public
    internal = internal_models(REPO / "dbt_project" / "dbt_project.yml")
    assert "dim_person" in internal
    for dataset in _load("datasets"):
        read = {relations.get(m, m) for m in dataset_marts(dataset)}
        missing = read - models
        assert not missing, f"{dataset['table_name']} reads unknown marts {missing}"
        unpublished = read & internal
        assert not unpublished, f"{dataset['table_name']} reads unpublished {unpublished}"


def test_exposures_file_is_generated_from_the_assets() -> None:
    assert EXPOSURES_FILE.read_text(encoding="utf-8") == render_exposures(), (
        "run `envs/superset/.venv/bin/python -m zhiwang_superset exposures` "
        "(PYTHONPATH=superset) and commit dbt_project/models/exposures.yml"
    )


def test_every_chart_dataset_is_declared_in_its_dashboards_exposure() -> None:
    exposures = {
        e["url"].strip("/").rsplit("/", 1)[-1]: e
        for e in yaml.safe_load(EXPOSURES_FILE.read_text(encoding="utf-8"))["exposures"]
        if e["type"] == "dashboard"
    }
    charts = chart_marts()
    relations = relation_models()
    dashboards = _load("dashboards")
    assert set(exposures) == {d["slug"] for d in dashboards}
    for dashboard in dashboards:
        exposure = exposures[dashboard["slug"]]
        assert exposure["type"] == "dashboard"
        refs = {re.fullmatch(r"ref\('(\w+)'\)", r).group(1) for r in exposure["depends_on"]}
        for uuid in dashboard_charts(dashboard):
            name, read = charts[uuid]
            marts = {relations.get(m, m) for m in read}
            assert marts <= refs, f"{dashboard['slug']}/{name}: {marts - refs} not in exposure"


def test_the_weekly_brief_is_an_exposure_on_its_serving_models() -> None:
    (brief,) = [
        e
        for e in yaml.safe_load(EXPOSURES_FILE.read_text(encoding="utf-8"))["exposures"]
        if e["name"] == "weekly_brief"
    ]
    refs = {re.fullmatch(r"ref\('(\w+)'\)", r).group(1) for r in brief["depends_on"]}
    assert {
        "rpt_brief_population",
        "rpt_brief_events",
        "rpt_brief_indicators",
        "rpt_brief_cross_checks",
        "rpt_brief_streets",
        "rpt_feed_freshness",
    } <= refs
    assert refs <= {p.stem for p in MARTS.rglob("*.sql")}
