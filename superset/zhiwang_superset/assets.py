"""Dashboards as code: the YAML under ``superset/assets`` imported by UUID.

The files follow Superset's own v1 export layout (``metadata.yaml``,
``databases/``, ``datasets/``, ``charts/``, ``dashboards/``) so a dashboard
edited in the UI can be exported and diffed against them. The only templated
value is the serving file's path: ``${ZHIWANG_SERVING_PATH}``.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
DATABASE_NAME = "zhiwang_serving"


def render_assets(serving_path: Path, assets_dir: Path = ASSETS_DIR) -> dict[str, str]:
    """Every asset file as import contents, keyed by its path inside the bundle."""
    values = {"ZHIWANG_SERVING_PATH": str(serving_path.resolve())}
    contents = {}
    for path in sorted(assets_dir.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        contents[path.relative_to(assets_dir).as_posix()] = Template(text).substitute(values)
    if "metadata.yaml" not in contents:
        raise FileNotFoundError(f"{assets_dir}/metadata.yaml is missing")
    return contents


def import_assets(contents: dict[str, str]) -> None:
    """Create or overwrite every database, dataset, chart and dashboard by UUID.

    Must run inside a Superset app context. Overwriting by UUID is what makes the
    bootstrap idempotent: ids stay stable and nothing is duplicated.
    """
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    ImportAssetsCommand(contents).run()
