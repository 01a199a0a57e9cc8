"""The ``zhiwang`` command line: generate, ingest, status, run."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zhiwang.errors import ZhiwangError
from zhiwang.progress import progress_bars
from zhiwang.settings import Settings, get_settings

app = typer.Typer(
    name="zhiwang",
    help="织网 zhiwang: city social-governance data warehouse.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _settings() -> Settings:
    from zhiwang.secrets import InsecureSecretError

    try:
        return get_settings()
    except InsecureSecretError as err:
        _fail(err)
        raise  # unreachable: _fail exits


def _ensure_secrets(settings: Settings) -> Settings:
    """Generate what ``<var_dir>/secrets.env`` lacks; show new values once, on the terminal only."""
    from zhiwang.secrets import PASSWORD_NAMES, ensure_secrets, secrets_path

    generated = ensure_secrets(settings.var_dir)
    if not generated:
        return settings
    path = secrets_path(settings.var_dir)
    console.print(
        f"[bold]generated secrets[/] {', '.join(sorted(generated))} into {path} (mode 0600; "
        "the environment or .env override them)"
    )
    users = {
        "SUPERSET_ADMIN_PASSWORD": "admin",
        "SUPERSET_DISTRICT_LEADER_PASSWORD": "district_leader",
        "SUPERSET_STREET_LEADER_PASSWORD": "street_leader_xinan",
        "SUPERSET_COMMUNITY_LEADER_PASSWORD": "community_leader_baomin",
        "SUPERSET_ANALYST_PASSWORD": "analyst",
        "SUPERSET_DATA_OFFICE_PASSWORD": "data_office",
    }
    shown = [name for name in PASSWORD_NAMES if name in generated]
    if shown:
        # Printed once, to the terminal only (never to a log); they stay in the 0600 file.
        console.print("  Superset logins (shown once; later read them from that file):")
        for name in shown:
            console.print(f"    {users[name]:<24} {generated[name]}")
    get_settings.cache_clear()
    return _settings()


@app.command()
def secrets() -> None:
    """Create <var_dir>/secrets.env (0600) with random secrets, or add the ones it lacks."""
    from zhiwang.secrets import secrets_path

    settings = _ensure_secrets(_settings())
    console.print(f"secrets: {secrets_path(settings.var_dir)}")


def _fail(err: Exception) -> None:
    console.print(f"[bold red]error:[/] {err}")
    raise typer.Exit(code=2)


@app.command()
def generate(
    scale: Annotated[str, typer.Option(help="tiny | small | district | city")] = "tiny",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 42,
    start: Annotated[str, typer.Option(help="First delivery date, YYYY-MM-DD.")] = "2026-10-01",
    days: Annotated[int, typer.Option(help="Number of daily deliveries.")] = 7,
    dirt: Annotated[float, typer.Option(help="Defect-rate multiplier; 0 = clean.")] = 1.0,
    geography_change: Annotated[
        str | None,
        typer.Option(
            help="Plant the community split and grid redrawing on this delivery date, "
            "YYYY-MM-DD (default: the middle delivery date when there are 2 days or more "
            "and --dirt > 0; docs/GEOGRAPHY.md)."
        ),
    ] = None,
    no_geography_change: Annotated[
        bool,
        typer.Option(
            "--no-geography-change", help="Plant no geography change (codes never change)."
        ),
    ] = False,
    landing: Annotated[
        Path | None, typer.Option(help="Landing folder (default: settings).")
    ] = None,
    ground_truth: Annotated[Path | None, typer.Option(help="Manifest folder.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bars.")] = False,
) -> None:
    """Write synthetic department deliveries per docs/FEEDS.md, and the ground-truth manifest."""
    from generator.api import generate as run_generate

    settings = _settings()
    try:
        first = date.fromisoformat(start)
    except ValueError:
        _fail(ZhiwangError(f"--start {start!r} is not a date; use YYYY-MM-DD, e.g. 2026-10-01"))
    if no_geography_change and geography_change:
        _fail(ZhiwangError("give --geography-change DATE or --no-geography-change, not both"))
    try:
        change: date | bool = (
            date.fromisoformat(geography_change) if geography_change else not no_geography_change
        )
    except ValueError:
        _fail(
            ZhiwangError(
                f"--geography-change {geography_change!r} is not a date; use YYYY-MM-DD, "
                "a day after --start within the delivered days"
            )
        )
    with progress_bars(console, enabled=not quiet) as progress:
        try:
            result = run_generate(
                landing or settings.landing,
                ground_truth or settings.ground_truth,
                scale=scale,
                seed=seed,
                start=first,
                days=days,
                dirt=dirt,
                geography_change=change,
                progress=progress,
            )
        except (ZhiwangError, ValueError) as err:
            _fail(err)
    console.print(
        f"[green]generated[/] {result.files} files, {result.rows:,} rows, "
        f"{result.defects:,} planted defects/cases in {result.seconds:.1f}s\n"
        f"  landing:      {result.landing_dir}\n  ground truth: {result.ground_truth_dir}"
    )


@app.command()
def ingest(
    feed: Annotated[list[str] | None, typer.Option(help="Only this feed (repeatable).")] = None,
    delivery: Annotated[str | None, typer.Option(help="Only this delivery date.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bars.")] = False,
) -> None:
    """Load complete deliveries from the landing folder into the raw layer."""
    from ingest.api import ingest as run_ingest

    settings = _settings()
    when = date.fromisoformat(delivery) if delivery else None
    with progress_bars(console, enabled=not quiet) as progress:
        try:
            report = run_ingest(settings, feeds=feed, delivery_date=when, progress=progress)
        except ZhiwangError as err:
            _fail(err)
    console.print(report.summary())
    if report.rejected:
        raise typer.Exit(code=1)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Row accounting per delivered file: received = loaded + quarantined."""
    from ingest.api import status as run_status

    try:
        rows = run_status(_settings())
    except ZhiwangError as err:
        _fail(err)
    keys = ("feed", "delivery_date", "file", "received", "loaded", "quarantined")
    if as_json:
        out = [
            {k: _jsonable(getattr(r, k)) for k in (*keys, "status")}
            | ({"duplicate_of": r.duplicate_of} if r.duplicate_of else {})
            for r in rows
        ]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title="zhiwang: row accounting per delivered file")
    for k in (*keys, "status"):
        table.add_column(k, justify="right" if k in keys[3:] else "left")
    bad = 0
    for r in rows:
        ok = r.received == r.loaded + r.quarantined
        bad += not ok
        table.add_row(
            r.feed,
            str(r.delivery_date),
            r.file,
            f"{r.received:,}",
            f"{r.loaded:,}",
            f"{r.quarantined:,}",
            r.status if ok else f"[red]{r.status} (MISMATCH)[/]",
        )
    Console().print(table)
    # A duplicate re-delivery repeats rows already counted for its identical version.
    counted = [r for r in rows if r.status != "duplicate"]
    totals = [sum(getattr(r, k) for r in counted) for k in keys[3:]]
    Console().print(
        f"{len(rows)} files ({len(rows) - len(counted)} identical re-deliveries): "
        f"received {totals[0]:,} = loaded {totals[1]:,} "
        f"+ quarantined {totals[2]:,}"
        + ("" if bad == 0 else f"  [red]{bad} files do not add up[/]")
    )
    if bad:
        raise typer.Exit(code=1)


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


@app.command()
def run(
    scale: Annotated[str, typer.Option(help="tiny | small | district | city")] = "tiny",
    start: Annotated[str, typer.Option(help="First delivery date, YYYY-MM-DD.")] = "2026-10-01",
    days: Annotated[int, typer.Option(help="Number of daily deliveries.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    dirt: Annotated[float, typer.Option(help="Defect-rate multiplier; 0 = clean.")] = 1.0,
    generate_data: Annotated[
        bool,
        typer.Option(
            "--generate/--no-generate",
            help="Generate the deliveries first (default), or run on the landing folder as is.",
        ),
    ] = True,
    superset: Annotated[
        bool,
        typer.Option(help="Bootstrap Superset on the serving copy afterwards (envs/superset)."),
    ] = True,
) -> None:
    """The main job on the embedded default, through Airflow: deliveries -> DAG runs -> brief.

    Generates the deliveries, then runs real Airflow DAG runs (SQLite metadata,
    AIRFLOW_HOME under var/airflow): one ingest DAG per feed on its cadence
    (ingest, quality gates, asset), the transform (dbt build, marts gates,
    atomic publish of the serving copy) and the weekly brief; then prints where
    the warehouse, serving copy, Data Docs and brief are.
    """
    from orchestration.runner import run_pipeline

    settings = _ensure_secrets(_settings())
    try:
        first = date.fromisoformat(start)
    except ValueError:
        _fail(ZhiwangError(f"--start {start!r} is not a date; use YYYY-MM-DD, e.g. 2026-10-01"))
    if days < 1:
        _fail(ZhiwangError("--days must be at least 1"))
    if not generate_data and not settings.landing.is_dir():
        _fail(ZhiwangError(f"--no-generate: no landing folder at {settings.landing}"))
    console.print(
        f"[bold]zhiwang run[/]: {scale}, {days} delivery dates from {first}, through Airflow "
        f"(AIRFLOW_HOME {settings.airflow})"
        + ("" if generate_data else f", deliveries from {settings.landing}")
    )
    try:
        result = run_pipeline(
            settings, first, days, scale, seed=seed, dirt=dirt, generate=generate_data,
            on_run=_print_dag_run,
        )  # fmt: skip
    except (ZhiwangError, ValueError, RuntimeError) as err:
        _fail(err)
    superset_note = _bootstrap_superset(settings) if superset and result.ok else None
    _print_run_result(result, superset_note)
    if not result.ok:
        raise typer.Exit(code=1)


def _print_dag_run(record: dict) -> None:
    """One line per finished DAG run, as the Airflow driver reports it."""
    if "error" in record:
        console.print(f"[red]Airflow could not load the DAGs[/]: {record}")
        return
    state = record["state"]
    tasks = record.get("tasks") or {}
    if state == "success" and tasks and set(tasks.values()) == {"skipped"}:
        state = "skipped (no complete delivery)"
    colour = {"success": "green", "not_triggered": "yellow"}.get(state, "yellow")
    colour = "red" if record["state"] not in ("success", "not_triggered") else colour
    not_ok = {t: s for t, s in tasks.items() if s not in ("success", "skipped")}
    detail = f"  {not_ok}" if not_ok else ""
    seconds = f" {record['seconds']:>5.1f}s" if "seconds" in record else ""
    console.print(
        f"  {record['step']}  {record['dag_id']:<38} [{colour}]{state}[/]{seconds}{detail}"
    )


def _bootstrap_superset(settings: Settings) -> str:
    """Hook for Superset: its own environment's idempotent bootstrap on the serving copy.

    Runs ``envs/superset/bootstrap.sh`` (owned by the Superset work) with this
    run's serving copy and ``SUPERSET_HOME=<var_dir>/superset``; its output goes
    to a log. A failure here does not undo the pipeline: it is reported.
    """
    import os
    import subprocess

    from zhiwang.settings import PROJECT_ROOT

    script = PROJECT_ROOT / "envs" / "superset" / "bootstrap.sh"
    if not script.is_file():
        return "Superset: not bootstrapped (envs/superset/bootstrap.sh not found)"
    home = settings.superset
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "bootstrap.log"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(
        {
            "ZHIWANG_SERVING_PATH": str(settings.serving),
            "SUPERSET_HOME": str(home),
            # Superset reads the generated secrets from <var_dir>/secrets.env itself.
            "ZHIWANG_VAR_DIR": str(settings.var_dir),
        }
    )
    console.print("  bootstrapping Superset on the serving copy …")
    with log_path.open("w") as out:
        proc = subprocess.run(
            ["bash", str(script)], env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT, check=False,
        )  # fmt: skip
    if proc.returncode != 0:
        return f"[red]Superset bootstrap failed (exit {proc.returncode})[/]: see {log_path}"
    # Leave the dashboards served (gunicorn in the background; serve.sh prints URL + logins).
    serve = PROJECT_ROOT / "envs" / "superset" / "serve.sh"
    console.print("  starting Superset …")
    started = subprocess.run(
        ["bash", str(serve), "start"], env=env, capture_output=True, text=True,
        cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    if started.returncode != 0:
        return (
            f"[red]Superset did not start (exit {started.returncode})[/]: see "
            f"{home / 'server.log'}; try `envs/superset/serve.sh start`"
        )
    served = "\n".join("  " + line for line in started.stdout.strip().splitlines())
    return (
        f"Superset:       metadata in {home} (bootstrap log {log_path})\n{served}\n"
        "  stop it with `envs/superset/serve.sh stop`; dashboards: superset/README.md"
    )


def _print_run_result(result: object, superset_note: str | None) -> None:
    from orchestration.runner import RunResult

    assert isinstance(result, RunResult)
    counts: dict[str, int] = {}
    for record in result.runs:
        counts[record.get("state", "error")] = counts.get(record.get("state", "error"), 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    head = "[bold green]done[/]" if result.ok else "[bold red]failed[/]"
    lines = [
        f"{head} in {result.seconds:.0f}s: {len(result.runs)} DAG runs ({summary})",
        f"  warehouse:      {result.warehouse}",
        f"  serving copy:   {result.serving}"
        + ("" if result.serving.exists() else "  [red](not published)[/]"),
        f"  Data Docs:      {result.data_docs or '(none written)'}",
        f"  weekly brief:   {result.brief_dir or '(not written)'}"
        + (f"  ({len(result.briefs)} files)" if result.briefs else ""),
        f"  Airflow:        AIRFLOW_HOME={result.airflow_home}  log {result.log_path}",
        f"  failures:       {result.failures_path}"
        + ("" if result.failures_path.exists() else " (none recorded)"),
    ]
    if superset_note:
        lines.append(f"  {superset_note}")
    for record in result.failed_runs:
        lines.append(
            f"  [red]failed[/]: {record.get('dag_id')} {record.get('step')} "
            f"{record.get('tasks') or record}"
        )
    console.print("\n".join(lines))


# --- quality gate (expectations/; owner: the GX engineer) -------------------


@app.command()
def validate(
    target: Annotated[str, typer.Argument(help="A feed (population, …), `raw` or `marts`.")],
    delivery: Annotated[
        str | None, typer.Option(help="Delivery date YYYY-MM-DD (default: the latest).")
    ] = None,
    docs: Annotated[
        bool, typer.Option(help="Update the Data Docs site (ZHIWANG_DATA_DOCS_DIR) too.")
    ] = True,
) -> None:
    """Run the Great Expectations gate; exit 1 when a fail-level check blocks the delivery."""
    from expectations.api import validate as run_validate

    try:
        when = date.fromisoformat(delivery) if delivery else None
    except ValueError:
        _fail(ZhiwangError(f"--delivery {delivery!r} is not a date; use YYYY-MM-DD"))
    try:
        summary = run_validate(_settings(), target, when, docs=docs)
    except ZhiwangError as err:
        _fail(err)
    typer.echo(summary.summary())
    if summary.blocked:
        raise typer.Exit(code=1)


@app.command("data-docs")
def data_docs() -> None:
    """Rebuild the quality gate's Data Docs site from every stored validation result."""
    from expectations.api import build_docs

    try:
        index = build_docs(_settings())
    except ZhiwangError as err:
        _fail(err)
    typer.echo(f"Data Docs: {index}")


if __name__ == "__main__":
    app()
