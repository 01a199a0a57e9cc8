"""docker-compose.yml names only images, files and commands that exist in the project."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from zhiwang.settings import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer"}  # fmt: skip


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_production_services_are_all_there(compose: dict) -> None:
    assert set(compose["services"]) == {"postgres", "airflow-init", "superset", *AIRFLOW_SERVICES}


def test_every_built_image_has_its_dockerfile_and_locked_environment(compose: dict) -> None:
    for name, service in compose["services"].items():
        if "build" not in service:
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", service["image"]), f"{name}: pin the image"
            continue
        dockerfile = PROJECT_ROOT / service["build"]["context"] / service["build"]["dockerfile"]
        assert dockerfile.is_file(), name
        for project in re.findall(r"--project (\S+)", dockerfile.read_text()):
            assert (PROJECT_ROOT / project / "pyproject.toml").is_file(), project
            assert (PROJECT_ROOT / project / "uv.lock").is_file(), project


def test_bind_mounted_files_exist(compose: dict) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_ROOT / source).is_file(), source
        for word in service.get("entrypoint", []):
            if word.startswith("/opt/zhiwang/"):
                assert (PROJECT_ROOT / word.removeprefix("/opt/zhiwang/")).is_file(), word


def test_landing_warehouse_and_serving_share_one_volume(compose: dict) -> None:
    services = compose["services"]
    for name in {"airflow-init", "superset", *AIRFLOW_SERVICES}:
        assert any(v.startswith("zhiwang-data:/data") for v in services[name]["volumes"]), name
    # Superset only reads: the publish swaps the serving copy in from Airflow's side.
    assert "zhiwang-data:/data:ro" in services["superset"]["volumes"]
    assert services["airflow-scheduler"]["environment"]["ZHIWANG_VAR_DIR"] == "/data"


def test_every_required_variable_is_documented(compose: dict) -> None:
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    documented = set(
        re.findall(r"^(\w+)=", (PROJECT_ROOT / "docker/env.example").read_text(), re.M)
    )
    assert required and required <= documented


def test_airflow_commands_exist_in_the_airflow_environment(compose: dict) -> None:
    from orchestration.runner import ensure_airflow_env

    python = ensure_airflow_env()
    commands = [compose["services"][name]["command"] for name in sorted(AIRFLOW_SERVICES)]
    init = (PROJECT_ROOT / "docker/airflow-init.sh").read_text()
    commands += [line.split()[1:3] for line in init.splitlines() if line.startswith("airflow ")]
    probe = (
        "import json, sys\n"
        "from airflow.cli.cli_parser import get_parser\n"
        "parser = get_parser()\n"
        "ok = []\n"
        "for cmd in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        parser.parse_args([*cmd, '--help'])\n"
        "    except SystemExit as e:\n"
        "        ok.append(e.code == 0)\n"
        "print(json.dumps(ok))\n"
    )
    words = [[w for w in cmd if not w.startswith("-") and not w.isdigit()][:2] for cmd in commands]
    proc = subprocess.run(
        [str(python), "-c", probe, json.dumps(words)], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == [True] * len(words), list(zip(words, result, strict=True))


def _compose_cli() -> list[str] | None:
    for cmd in (["docker", "compose"], ["docker-compose"]):
        if (
            shutil.which(cmd[0])
            and subprocess.run([*cmd, "version"], capture_output=True).returncode == 0
        ):
            return cmd
    return None


@pytest.mark.skipif(_compose_cli() is None, reason="no docker compose CLI on this machine")
def test_docker_compose_config_accepts_the_file(tmp_path) -> None:
    env = tmp_path / ".env"
    env.write_text("\n".join(f"{k}=x" for k in re.findall(r"\$\{(\w+):\?", COMPOSE.read_text())))
    cli = _compose_cli()
    assert cli is not None
    proc = subprocess.run(
        [*cli, "--env-file", str(env), "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
