"""The ingest's public entry points: ``ingest`` (landing → raw layer) and ``status``."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import time
import uuid
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import polars as pl

from ingest import raw_store
from ingest.contract import Feed, FileKind, load_feeds, match_file
from ingest.errors import FileRejected, LandingNotFoundError, UnknownFeedError
from ingest.raw_store import FileStatus
from ingest.readers import empty_bad, open_file
from ingest.register import REGISTER_KIND, RegisterCodes, register_codes
from ingest.transform import FileState, transform_chunk
from zhiwang.settings import Settings

log = logging.getLogger("zhiwang.ingest")
Progress = Callable[[str, int, int], None]


@dataclass
class FileResult:
    feed: str
    delivery_date: date
    file: str
    status: str  # loaded | rejected | duplicate | superseded
    received: int = 0
    loaded: int = 0
    quarantined: int = 0
    batch_id: str | None = None
    message: str = ""
    superseded: str | None = None  # batch this one replaced

    @property
    def name(self) -> str:
        return f"{self.feed}/{self.delivery_date}/{self.file}"


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI and the pipeline."""

    loaded: list[FileResult] = field(default_factory=list)
    skipped: list[FileResult] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    rejected: list[FileResult] = field(default_factory=list)
    refused: list[FileResult] = field(default_factory=list)  # links, outside landing, too big
    incomplete: list[str] = field(default_factory=list)
    # landing folders no contract names: never read, so said out loud
    unknown_feeds: list[str] = field(default_factory=list)
    seconds: float = 0.0
    file_bytes: int = 0

    @property
    def received(self) -> int:
        return sum(r.received for r in self.loaded + self.rejected)

    @property
    def loaded_rows(self) -> int:
        return sum(r.loaded for r in self.loaded)

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.loaded + self.rejected)

    def summary(self) -> str:
        lines = [
            f"[green]ingested[/] {len(self.loaded)} files, skipped {len(self.skipped)} identical, "
            f"superseded {len(self.superseded)}, rejected {len(self.rejected)}, "
            f"refused {len(self.refused)}, "
            f"incomplete deliveries {len(self.incomplete)} in {self.seconds:.1f}s",
            f"  rows: received {self.received:,} = loaded {self.loaded_rows:,} "
            f"+ quarantined {self.quarantined:,}",
        ]
        lines += [
            f"  [yellow]incomplete (no _SUCCESS), not loaded:[/] {d}" for d in self.incomplete
        ]
        lines += [
            f"  [red]no contract, not read:[/] {u}; add ingest/feeds/<feed>.yaml "
            "(README, Adding a feed) or ask the sender where it belongs"
            for u in self.unknown_feeds
        ]
        lines += [f"  [red]rejected[/] {r.name}: {r.message}" for r in self.rejected]
        lines += [f"  [red]refused (not read)[/] {r.name}: {r.message}" for r in self.refused]
        lines += [f"  superseded {s}" for s in self.superseded]
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_ahead(paths: list[Path], ahead: int = 2) -> Generator[str, None, None]:
    """The SHA-256 of each path in order, computed on a background thread up to
    ``ahead`` files ahead: hashing the next file (hashlib releases the GIL) overlaps
    with loading this one, and leaves the file in the page cache for its read.
    Hashing is 10% of the ingest's wall time when done in line (bench/profile_ingest.py)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="zhiwang-sha256") as pool:
        queue = iter(paths)
        pending: deque[Future[str]] = deque(pool.submit(_sha256, p) for p in islice(queue, ahead))
        try:
            while pending:
                sha = pending.popleft().result()
                pending.extend(pool.submit(_sha256, p) for p in islice(queue, 1))
                yield sha
        finally:
            for future in pending:
                future.cancel()


def refusal(path: Path, root: Path, max_bytes: int) -> str | None:
    """Why a delivered path must not be read, or None. Symlinks (to files or folders)
    are never followed: a link named like a delivery could point anywhere (e.g.
    /etc/passwd). Paths that resolve outside the landing root, things that are not
    regular files and files over the size cap are refused too. Uses lstat only."""
    if path.is_symlink():
        return "is a symbolic link (never followed); ask the sender to deliver the file itself"
    try:
        real = path.resolve(strict=True)
    except OSError:
        return "cannot be resolved; ask the sender to re-deliver it"
    if not real.is_relative_to(root.resolve()):
        return "resolves outside the landing folder; ask the sender to deliver it there"
    st = path.lstat()
    if path.is_dir():
        return None
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file; ask the sender to deliver a plain file"
    if st.st_size > max_bytes:
        return (
            f"is {st.st_size:,} bytes, over the cap of {max_bytes:,} (ZHIWANG_MAX_FILE_BYTES); "
            "ask the sender to split it"
        )
    return None


def _unknown_feed_folders(landing_root: Path, contracts: dict[str, Feed]) -> list[str]:
    """Top-level landing folders that no contract names, with how many files they hold
    (e.g. a department delivering a new feed before its contract exists)."""
    out = []
    folders = [p for p in landing_root.iterdir() if p.is_dir() and p.name not in contracts]
    for folder in sorted(folders):
        if folder.is_symlink():
            out.append(f"{folder.name} (a symbolic link)")
            continue
        files = sum(1 for p in folder.rglob("*") if p.name != "_SUCCESS" and not p.is_dir())
        out.append(f"{folder.name} ({files} files)")
    return out


def _deliveries(
    settings: Settings,
    feeds: dict[str, Feed],
    only: date | None,
    report: IngestReport,
    refused: list[tuple[Feed, date, Path, str]],
) -> list[tuple[Feed, date, Path]]:
    """Complete delivery folders, oldest first; incomplete ones go into the report,
    refused ones (symbolic links, outside the landing root) into ``refused``."""
    found = []
    for name, feed in feeds.items():
        feed_dir = settings.landing / name
        if feed_dir.is_symlink():
            report.incomplete.append(f"{name} (feed folder is a symbolic link: not read)")
            continue
        for folder in sorted(p for p in feed_dir.glob("*") if p.is_dir()):
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                report.incomplete.append(f"{name}/{folder.name} (folder name is not YYYY-MM-DD)")
                continue
            if only is not None and day != only:
                continue
            why = refusal(folder, settings.landing, settings.max_file_bytes)
            if why is not None:
                refused.append((feed, day, folder, f"delivery folder {why}"))
                continue
            if not (folder / "_SUCCESS").exists():
                report.incomplete.append(f"{name}/{folder.name}")
                continue
            found.append((feed, day, folder))
    return sorted(found, key=lambda t: (t[1], t[0].feed))


def ingest(
    settings: Settings,
    *,
    feeds: list[str] | None = None,
    delivery_date: date | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load every complete, not yet loaded delivery into the raw layer."""
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    contracts = load_feeds()
    if feeds:
        unknown = sorted(set(feeds) - set(contracts))
        if unknown:
            raise UnknownFeedError(
                f"no contract for feed(s) {', '.join(unknown)}; known feeds: "
                f"{', '.join(contracts)} (contracts live in ingest/feeds/)"
            )
        contracts = {k: v for k, v in contracts.items() if k in feeds}
    if not settings.landing.is_dir():
        raise LandingNotFoundError(
            f"landing folder {settings.landing} does not exist; set ZHIWANG_LANDING_DIR or "
            "run `zhiwang generate` first"
        )
    with raw_store.connect(settings) as con:
        raw_store.ensure_schema(con)
        raw_store.ensure_views(con, settings, [fk for f in load_feeds().values() for fk in f.files])
        known = raw_store.known_batches(con)
    committed = {b.batch_id for b in known}
    for orphan in raw_store.remove_orphans(settings, committed):
        log.warning("removed orphan raw file %s (a load that did not commit)", orphan.name)
    seen = {(b.feed, b.file, b.delivery_date, b.file_sha256) for b in known}
    live = {(b.feed, b.file): b.file_sha256 for b in known if b.status in raw_store.LIVE}

    report = IngestReport()
    if not feeds:
        report.unknown_feeds = _unknown_feed_folders(settings.landing, contracts)
        for folder_name in report.unknown_feeds:
            log.warning("landing folder %s has no feed contract: not read", folder_name)
    refused: list[tuple[Feed, date, Path, str]] = []
    todo = []
    max_bytes = settings.max_file_bytes
    for feed, day, folder in _deliveries(settings, contracts, delivery_date, report, refused):
        for path in sorted(folder.iterdir()):
            if path.name == "_SUCCESS":
                continue
            why = refusal(path, settings.landing, max_bytes)
            if why is not None:
                refused.append((feed, day, path, f"file {why}"))
            elif path.is_file():
                todo.append((feed, day, path))
    todo.sort(key=lambda t: load_order(t[0], t[1], t[2]))
    codes: dict[date, RegisterCodes] = {}  # per delivery date; reread after a register loads
    for feed, day, path, why in refused:
        # Identified by the link text / size, never the target's content.
        sha = hashlib.sha256(f"refused:{_describe(path)}".encode()).hexdigest()
        if (feed.feed, path.name, day, sha) in seen:
            continue
        batch = _batch(feed, None, day, path, sha, "refused", why)
        report.refused.append(_finish(settings, batch, pl.DataFrame(), None))
        seen.add((feed.feed, path.name, day, sha))
    # Closed when the loop ends or fails: the thread stops hashing files ahead.
    with contextlib.closing(_sha256_ahead([path for _, _, path in todo])) as shas:
        for i, ((feed, day, path), sha) in enumerate(zip(todo, shas, strict=True)):
            progress("files", i, len(todo))
            if (feed.feed, path.name, day, sha) in seen:
                continue  # this very delivery was handled by an earlier run
            result = FileResult(feed.feed, day, path.name, "duplicate")
            if live.get((feed.feed, path.name)) == sha:
                result.message = "identical to the live delivery: nothing new"
                report.skipped.append(result)
                batch = _batch(feed, None, day, path, sha, "duplicate", result.message)
                raw_store.commit(settings, batch, pl.DataFrame(), None)
                seen.add((feed.feed, path.name, day, sha))
                continue
            if day not in codes:
                pending = pending_register(settings, day)
                with raw_store.connect(settings, read_only=True) as con:
                    codes[day] = register_codes(con, settings.reference_dir, day, pending)
            result = _load_file(settings, feed, day, path, sha, progress, codes[day])
            if _is_register(feed, path):
                codes.clear()
            report.file_bytes += path.stat().st_size
            (report.rejected if result.status == "rejected" else report.loaded).append(result)
            if result.superseded:
                report.superseded.append(result.superseded)
            live[(feed.feed, path.name)] = sha
            seen.add((feed.feed, path.name, day, sha))
    progress("files", len(todo), len(todo))
    report.seconds = time.perf_counter() - started
    return report


def _batch(
    feed: Feed, fk: FileKind | None, day: date, path: Path, sha: str, status: str, message: str
) -> raw_store.Batch:
    stem = fk.kind if fk else "unknown"
    return raw_store.Batch(
        batch_id=f"{stem}-{day:%Y%m%d}-{sha[:12]}-{uuid.uuid4().hex[:8]}",
        feed=feed.feed,
        kind=fk.kind if fk else None,
        delivery_date=day,
        file=path.name,
        file_path=str(path.absolute()),
        file_sha256=sha,
        file_bytes=path.lstat().st_size,
        received=0,
        loaded=0,
        quarantined=0,
        status=status,
        message=message,
        started_at=datetime.now(),
        finished_at=datetime.now(),
    )


def _describe(path: Path) -> str:
    """A refused path as text: a link's target as written, else its size."""
    if path.is_symlink():
        return f"link {path.name} -> {os.readlink(path)}"
    return f"{path.name} {path.lstat().st_size}"


def pending_register(settings: Settings, day: date) -> pl.DataFrame | None:
    """The register-of-changes lines delivered in complete folders dated on or before
    ``day`` (loaded or not: ingest/register.py), read and checked by the register's
    contract; rows the contract quarantines are left out, unreadable files skipped
    (their load reports them)."""
    found = [
        (feed, fk)
        for feed in load_feeds().values()
        for fk in feed.files
        if fk.kind == REGISTER_KIND
    ]
    parts = []
    for feed, fk in found:
        feed_dir = settings.landing / feed.feed
        if not feed_dir.is_dir() or feed_dir.is_symlink():
            continue
        for folder in sorted(p for p in feed_dir.iterdir() if p.is_dir()):
            try:
                delivered = date.fromisoformat(folder.name)
            except ValueError:
                continue
            if delivered > day or not (folder / "_SUCCESS").exists():
                continue
            if refusal(folder, settings.landing, settings.max_file_bytes) is not None:
                continue
            for path in sorted(folder.iterdir()):
                matched = match_file(feed, path.name)
                if matched is None or matched[0].kind != REGISTER_KIND:
                    continue
                if refusal(path, settings.landing, settings.max_file_bytes) is not None:
                    continue
                state = FileState(delivery_date=delivered, reference_dir=settings.reference_dir)
                try:
                    opened = open_file(path, fk)
                    for rows, _bad in opened.chunks:
                        accepted, _quarantined = transform_chunk(rows, fk, state, opened.flags)
                        parts.append(
                            accepted.with_columns(
                                pl.lit(delivered, pl.Date).alias("_delivery_date"),
                                pl.lit(path.name).alias("_file"),
                            )
                        )
                except FileRejected:
                    continue
    return pl.concat(parts, how="diagonal_relaxed") if parts else None


def _is_register(feed: Feed, path: Path) -> bool:
    matched = match_file(feed, path.name)
    return matched is not None and matched[0].kind == REGISTER_KIND


def load_order(feed: Feed, day: date, path: Path) -> tuple[date, bool, str, str]:
    """The order files are loaded in: by delivery date; within a date the register of
    code changes first (ingest/register.py: the codes it creates are known to every
    other file of that date, whatever the names), then by feed and file name."""
    return (day, not _is_register(feed, path), feed.feed, path.name)


def _load_file(
    settings: Settings,
    feed: Feed,
    day: date,
    path: Path,
    sha: str,
    progress: Progress,
    codes: RegisterCodes | None = None,
) -> FileResult:
    matched = match_file(feed, path.name)
    if matched is None:
        expected = ", ".join(fk.pattern for fk in feed.files)
        message = (
            f"unknown file name for feed {feed.feed} (expected one of {expected}); "
            "ask the sender to rename it or add a contract in ingest/feeds/"
        )
        batch = _batch(feed, None, day, path, sha, "rejected", message)
        return _finish(settings, batch, pl.DataFrame(), None)
    fk, _ = matched
    batch = _batch(feed, fk, day, path, sha, "loaded", "")
    writer = None
    try:
        opened = open_file(path, fk)
        writer = raw_store.BatchWriter(
            settings,
            fk,
            batch.batch_id,
            {
                "_feed": feed.feed,
                "_delivery_date": day,
                "_file": path.name,
                "_file_sha256": sha,
                "_batch_id": batch.batch_id,
                "_loaded_at": batch.started_at,
            },
        )
        state = FileState(
            delivery_date=day,
            reference_dir=settings.reference_dir,
            register_communities=(codes or RegisterCodes()).communities,
        )
        bad_parts = []
        done = 0
        for rows, bad in opened.chunks:
            accepted, quarantined = transform_chunk(rows, fk, state, opened.flags)
            writer.write(accepted)
            bad_parts += [bad, quarantined]
            done += rows.height + bad.height
            progress("rows", done, opened.received)
        bad_all = pl.concat(bad_parts) if bad_parts else empty_bad()
        batch.received, batch.loaded, batch.quarantined = (
            opened.received,
            writer.rows,
            bad_all.height,
        )
        notes = list(opened.notes)
        if opened.extra_columns:
            notes.append(f"ignored extra column(s): {', '.join(opened.extra_columns)}")
        batch.message = "; ".join(notes)
        writer.publish()
    except FileRejected as rejected:
        if writer is not None:
            writer.abort()
        batch.status, batch.message = "rejected", str(rejected)
        batch.received = batch.quarantined = rejected.received
        bad_all = pl.DataFrame(
            {
                "_row_number": range(1, len(rejected.originals) + 1),
                "reason_code": "file_rejected",
                "column_name": None,
                "detail": str(rejected),
                "_original": rejected.originals,
            },
            schema={
                "_row_number": pl.Int64,
                "reason_code": pl.String,
                "column_name": pl.String,
                "detail": pl.String,
                "_original": pl.String,
            },
        )
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return _finish(settings, batch, bad_all, fk)


def _finish(
    settings: Settings, batch: raw_store.Batch, bad: pl.DataFrame, fk: FileKind | None
) -> FileResult:
    batch.finished_at = datetime.now()
    quarantine = raw_store.quarantine_frame(batch, bad) if bad.height else pl.DataFrame()
    raw_store.commit(settings, batch, quarantine, fk)
    log.info(
        "%s %s/%s/%s: received %d, loaded %d, quarantined %d",
        batch.status,
        batch.feed,
        batch.delivery_date,
        batch.file,
        batch.received,
        batch.loaded,
        batch.quarantined,
    )
    return FileResult(
        feed=batch.feed,
        delivery_date=batch.delivery_date,
        file=batch.file,
        status=batch.status,
        received=batch.received,
        loaded=batch.loaded,
        quarantined=batch.quarantined,
        batch_id=batch.batch_id,
        message=batch.message,
        superseded=batch.replaced[0] if batch.replaced and batch.status != "superseded" else None,
    )


def status(settings: Settings) -> list[FileStatus]:
    """One row per delivered file (every version, see ``FileStatus``)."""
    return raw_store.file_statuses(settings)
