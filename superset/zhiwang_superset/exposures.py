"""dbt exposures derived from the dashboards as code.

One exposure per dashboard (and one for the weekly brief, on the marts
``orchestration/brief/data.py`` names), depending on every mart that the datasets of its
charts read: a physical dataset is its table (the serving models of
``dbt_project/models/marts/serving``), a virtual dataset's SQL names its marts
as ``marts.<model>``. The result is committed as
``dbt_project/models/exposures.yml`` (``python -m zhiwang_superset exposures``)
and a test checks it is current. Pure Python + PyYAML: runs in any environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from zhiwang_superset.assets import ASSETS_DIR

REPO = ASSETS_DIR.parents[1]
EXPOSURES_FILE = REPO / "dbt_project" / "models" / "exposures.yml"
MART_REF = re.compile(r"\bmarts\s*\.\s*\"?([a-z_][a-z0-9_]*)\"?", re.IGNORECASE)
HEADER = (
    "# Generated from superset/assets by `python -m zhiwang_superset exposures`\n"
    "# (envs/superset); do not edit: change the dashboards and regenerate.\n"
    "# One exposure per Superset dashboard, on every mart its charts' datasets read,\n"
    "# and one for the weekly brief (orchestration/brief/data.py).\n"
)


MARTS_DIR = REPO / "dbt_project" / "models" / "marts"
BRIEF_DATA = REPO / "orchestration" / "brief" / "data.py"
ALIAS = re.compile(r"config\([^)]*\balias\s*=\s*['\"]([a-z_][a-z0-9_]*)['\"]", re.IGNORECASE)


def relation_models(marts_dir: Path = MARTS_DIR) -> dict[str, str]:
    """``marts.<relation>`` → the dbt model that builds it, where they differ
    (``config(alias=...)``: marts.dim_person is the model dim_person_public)."""
    out = {}
    for path in sorted(marts_dir.rglob("*.sql")):
        found = ALIAS.search(path.read_text(encoding="utf-8"))
        if found:
            out[found.group(1).lower()] = path.stem
    return out


def _load(assets_dir: Path, kind: str) -> list[dict[str, Any]]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((assets_dir / kind).rglob("*.yaml"))
    ]


def dataset_marts(dataset: dict[str, Any]) -> set[str]:
    """The mart models a dataset reads (lower-case model names)."""
    if dataset.get("sql"):
        # `marts._published` is the publish's own metadata table, not a dbt model.
        found = {
            name.lower() for name in MART_REF.findall(dataset["sql"]) if not name.startswith("_")
        }
        if not found:
            raise ValueError(f"dataset {dataset['table_name']}: its SQL names no marts.<model>")
        return found
    return {dataset["table_name"].lower()}


def dataset_sql(dataset: dict[str, Any]) -> str:
    """The query Superset runs for a dataset's rows (before filters): its SQL, or,
    for a physical dataset, a plain select of its table."""
    return dataset.get("sql") or f"select * from {dataset['schema']}.{dataset['table_name']}"


def chart_marts(assets_dir: Path = ASSETS_DIR) -> dict[str, tuple[str, set[str]]]:
    """Chart uuid → (chart name, marts its dataset reads)."""
    datasets = {d["uuid"]: d for d in _load(assets_dir, "datasets")}
    return {
        chart["uuid"]: (chart["slice_name"], dataset_marts(datasets[chart["dataset_uuid"]]))
        for chart in _load(assets_dir, "charts")
    }


def dashboard_charts(dashboard: dict[str, Any]) -> list[str]:
    return [
        node["meta"]["uuid"]
        for node in dashboard["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


def build_exposures(assets_dir: Path = ASSETS_DIR) -> dict[str, Any]:
    charts = chart_marts(assets_dir)
    models = relation_models()
    exposures = []
    for dashboard in sorted(_load(assets_dir, "dashboards"), key=lambda d: d["slug"]):
        marts = sorted(
            {models.get(m, m) for uuid in dashboard_charts(dashboard) for m in charts[uuid][1]}
        )
        slug = dashboard["slug"]
        exposures.append(
            {
                "name": "superset_" + slug.replace("-", "_"),
                "label": dashboard["dashboard_title"],
                "type": "dashboard",
                "maturity": "medium",
                "url": f"/superset/dashboard/{slug}/",
                "description": (
                    f"Superset dashboard {dashboard['dashboard_title']} "
                    f"(superset/assets/dashboards/{slug}.yaml)."
                ),
                "depends_on": [f"ref('{m}')" for m in marts],
                "owner": {"name": "zhiwang data team"},
            }
        )
    exposures.append(
        {
            "name": "weekly_brief",
            "label": "周报 weekly brief",
            "type": "analysis",
            "maturity": "medium",
            "description": (
                "The weekly analysis brief (HTML + PDF per street and for the district), "
                "orchestration/brief/data.py: one plain select per table."
            ),
            "depends_on": [f"ref('{m}')" for m in brief_marts()],
            "owner": {"name": "zhiwang data team"},
        }
    )
    return {"version": 2, "exposures": exposures}


def brief_marts(path: Path = BRIEF_DATA) -> list[str]:
    """The marts the weekly brief reads (``marts.<model>`` in its queries)."""
    text = path.read_text(encoding="utf-8")
    return sorted({m.lower() for m in MART_REF.findall(text) if not m.startswith("_")})


def render_exposures(assets_dir: Path = ASSETS_DIR) -> str:
    body = yaml.safe_dump(
        build_exposures(assets_dir), allow_unicode=True, sort_keys=False, width=100
    )
    return HEADER + body


def write_exposures(path: Path = EXPOSURES_FILE) -> Path:
    path.write_text(render_exposures(), encoding="utf-8")
    return path
