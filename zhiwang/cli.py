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
    return get_settings()


def _fail(err: Exception) -> None:
    console.print(f"[bold red]error:[/] {err}")
    raise typer.Exit(code=2)


@app.command()
def generate(
    scale: Annotated[str, typer.Option(help="tiny | district | city")] = "tiny",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 42,
    start: Annotated[str, typer.Option(help="First delivery date, YYYY-MM-DD.")] = "2026-10-01",
    days: Annotated[int, typer.Option(help="Number of daily deliveries.")] = 7,
    dirt: Annotated[float, typer.Option(help="Defect-rate multiplier; 0 = clean.")] = 1.0,
    landing: Annotated[
        Path | None, typer.Option(help="Landing folder (default: settings).")
    ] = None,
    ground_truth: Annotated[Path | None, typer.Option(help="Manifest folder.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bars.")] = False,
) -> None:
    """Write synthetic department deliveries per FEEDS.md, and the ground-truth manifest."""
    from generator.api import generate as run_generate

    settings = _settings()
    try:
        first = date.fromisoformat(start)
    except ValueError:
        _fail(ZhiwangError(f"--start {start!r} is not a date; use YYYY-MM-DD, e.g. 2026-10-01"))
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
        out = [{k: _jsonable(getattr(r, k)) for k in keys} for r in rows]
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
    totals = [sum(getattr(r, k) for r in rows) for k in keys[3:]]
    Console().print(
        f"{len(rows)} files: received {totals[0]:,} = loaded {totals[1]:,} "
        f"+ quarantined {totals[2]:,}"
        + ("" if bad == 0 else f"  [red]{bad} files do not add up[/]")
    )
    if bad:
        raise typer.Exit(code=1)


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


@app.command()
def run(
    scale: Annotated[str, typer.Option(help="tiny | district | city")] = "tiny",
    days: Annotated[int, typer.Option(help="Number of daily deliveries.")] = 7,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """The main job on the embedded default: generate deliveries, ingest, print the accounting."""
    generate(scale=scale, seed=seed, days=days)
    try:
        ingest()
    except typer.Exit as ex:
        if ex.exit_code not in (0, 1):
            raise
    status(as_json=False)
    settings = _settings()
    console.print(
        f"[bold green]done.[/] warehouse: {settings.warehouse}\n"
        f"  raw layer: schema `raw` (views over {settings.raw}); audit: `audit.batches`, "
        "`audit.quarantine`"
    )


# --- quality gate (expectations/; owner: the GX engineer) -------------------


@app.command()
def validate(
    target: Annotated[str, typer.Argument(help="A feed (population, …), `raw` or `marts`.")],
    delivery: Annotated[
        str | None, typer.Option(help="Delivery date YYYY-MM-DD (default: the latest).")
    ] = None,
) -> None:
    """Run the Great Expectations gate; exit 1 when a fail-level check blocks the delivery."""
    from expectations.api import validate as run_validate

    try:
        when = date.fromisoformat(delivery) if delivery else None
    except ValueError:
        _fail(ZhiwangError(f"--delivery {delivery!r} is not a date; use YYYY-MM-DD"))
    try:
        summary = run_validate(_settings(), target, when)
    except ZhiwangError as err:
        _fail(err)
    typer.echo(summary.summary())
    if summary.blocked:
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
