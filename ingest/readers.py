"""Readers: a delivered file → chunks of all-string rows keyed by raw column name.

Nothing is type-inferred here ("07" stays "07"). Every reader yields
``(rows, bad)`` chunks: ``rows`` has ``_row_number``, ``_original`` and one
String column per contract column; ``bad`` holds records that could not even be
split into fields (``field_count``, ``bad_json``) with their original text.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ingest.contract import FileKind
from ingest.errors import FileRejected

CHUNK_ROWS = 500_000
BAD_SCHEMA = {
    "_row_number": pl.Int64,
    "reason_code": pl.String,
    "column_name": pl.String,
    "detail": pl.String,
    "_original": pl.String,
}
Chunk = tuple[pl.DataFrame, pl.DataFrame]


@dataclass
class Opened:
    """A file opened for reading: its size in records and its chunks."""

    received: int
    chunks: Iterator[Chunk]
    extra_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def empty_bad() -> pl.DataFrame:
    return pl.DataFrame(schema=BAD_SCHEMA)


def open_file(path: Path, fk: FileKind, chunk_rows: int = CHUNK_ROWS) -> Opened:
    """Open a delivered file of kind ``fk``; raises FileRejected if unreadable as a whole."""
    readers = {"csv": _open_csv, "jsonl": _open_jsonl, "xlsx": _open_xlsx, "parquet": _open_parquet}
    opened = readers[fk.format](path, fk, chunk_rows)
    opened.chunks = _read_ahead(opened.chunks)
    return opened


_END = object()


def _read_ahead(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """Read (and decode, split, parse) the next chunk on a helper thread while the
    caller transforms and writes this one: GBK decoding holds the GIL but polars'
    transform mostly does not, so the two overlap. One chunk ahead: memory stays
    bounded. Errors (e.g. FileRejected in a later block) surface at that chunk."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pending = pool.submit(next, chunks, _END)
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, chunks, _END)
            yield item  # type: ignore[misc]
    finally:
        pool.shutdown(wait=False)  # an abandoned read finishes its block, then stops


# --- header matching -------------------------------------------------------------


def _clean_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().strip('"').strip()


def match_header(found: list[str], fk: FileKind) -> tuple[dict[str, str], list[str], list[str]]:
    """Map delivered header names to raw names (order-insensitive; BOM, spaces and
    ASCII case tolerated). Returns (delivered → raw name, missing sources, extras)."""
    wanted = {c.source: c.name for c in fk.columns}
    folded = {s.casefold(): s for s in wanted if s.isascii()}
    mapping: dict[str, str] = {}
    extras: list[str] = []
    for name in found:
        clean = _clean_header(name)
        source = clean if clean in wanted else folded.get(clean.casefold())
        if source is None or wanted[source] in mapping.values():
            extras.append(clean)
        else:
            mapping[name] = wanted[source]
    missing = [c.source for c in fk.columns if c.name not in mapping.values()]
    return mapping, missing, extras


# --- text decoding -----------------------------------------------------------------

# Text files are read in blocks of about this many bytes, cut after a record's line
# break, so that a 700 MB delivery needs a few hundred MB of memory, not many GB.
BLOCK_BYTES = 48 << 20
BOM = b"\xef\xbb\xbf"
# A physical line that could not be kept as delivered is replaced by one of these
# markers plus the start of its text; the record stage quarantines it with the reason
# named in the marker. NUL starts the marker: records with NUL bytes are quarantined
# anyway, so no delivered line can pass for a marked one.
MARK = "\x00zhiwang:"
MARK_OVERLONG = MARK + "record_too_long\x00"
MARK_UNDECODABLE = MARK + "bad_encoding\x00"
# Contract encodings read with CPython's GB 18030 codec (a superset of GBK).
GB_ENCODINGS = ("gbk", "gb18030")
# How much of a quarantined overlong record's text audit.quarantine keeps.
KEEP_BYTES = 1024
# A block whose share of undecodable lines is above this is a file in another or mixed
# encoding (rejected whole), not a few damaged lines (quarantined one by one).
UNDECODABLE_SHARE = 0.1
JUDGE_LINES = 1000
# ... and more lines than this (a few damaged lines in a small file are quarantined).
UNDECODABLE_FEW = 5


def _head(data: bytes, size: int = KEEP_BYTES) -> bytes:
    """At most ``size`` leading bytes, cut after a byte below 0x40: never inside a GBK
    pair (trail bytes are 0x40-0xFE) or a UTF-8 sequence (bytes 0x80-0xFF)."""
    if len(data) <= size:
        return data
    cut = max(data.rfind(bytes([c]), 0, size) for c in b",\t ;:0123456789")
    return data[: cut + 1] if cut >= 0 else b""


def _blocks(
    path: Path,
    multiline: bool,
    max_record: int,
    block_bytes: int | None = None,
    start: re.Pattern[bytes] | None = None,
) -> Iterator[bytes]:
    """The file's bytes (BOM dropped) in blocks that end after a line break.

    Memory stays bounded for any input: a line longer than ``max_record`` is never held
    whole; its first bytes are kept behind ``MARK_OVERLONG`` and the rest is skipped
    up to its line break. With ``multiline`` (a CSV kind whose quoted fields may hold
    line breaks) a block ends only where the number of ``"`` before it is even, so a
    quoted field is never cut, unless that would carry more than ``max_record`` bytes
    over (an unbalanced quote): then it ends at the last line break and the next block
    starts afresh. If the kind says how a record starts (``start``), a multiline block
    ends before such a line instead: quote parity would put the cut inside a record
    after an unbalanced quote. Line breaks are safe cut points in UTF-8 and GBK (0x0A
    is never part of a GBK pair).
    """
    block_bytes = max(block_bytes or BLOCK_BYTES, 1)
    with path.open("rb") as fh:
        rest = b""
        first = True
        skipping = False  # inside an overlong line, dropping bytes up to its line break
        while True:
            data = fh.read(block_bytes)
            if first:
                data = data.removeprefix(BOM)
                first = False
            if skipping:
                nl = data.find(b"\n")
                if nl < 0 and data:
                    continue
                skipping = False
                data = data[nl + 1 :] if nl >= 0 else data
            if not data:
                if rest:
                    yield rest
                return
            if not multiline and (cut := data.rfind(b"\n")) >= 0:
                # The common case: the block ends at the data's last line break. One
                # copy of the data (join of the carried-over part and a view), not two
                # (``rest + data``, then the slice up to the break).
                yield b"".join((rest, memoryview(data)[: cut + 1])) if rest else data[: cut + 1]
                rest = data[cut + 1 :]
                continue
            buf = rest + data if rest else data
            cut = buf.rfind(b"\n")
            if multiline and cut >= 0 and start is not None:
                last, nl = cut, cut
                while nl >= 0 and len(buf) - nl <= max_record + block_bytes:
                    if start.match(buf, nl + 1):
                        break
                    nl = buf.rfind(b"\n", 0, nl)
                cut = nl if nl >= 0 and len(buf) - nl <= max_record + block_bytes else last
            elif multiline and cut >= 0:
                total = buf.count(b'"')
                after = buf.count(b'"', cut)
                last = cut
                while cut >= 0 and (total - after) % 2:
                    prev = buf.rfind(b"\n", 0, cut)
                    after += buf.count(b'"', max(prev, 0), cut)
                    cut = prev
                    if len(buf) - cut > max_record + block_bytes:
                        cut = last  # no even cut near the end: an unbalanced quote
                        break
            if cut < 0:
                if len(buf) > max_record:
                    # One line longer than the cap: keep its head, skip to its end.
                    yield MARK_OVERLONG.encode() + _head(buf) + b"\n"
                    rest, skipping = b"", True
                    continue
                rest = buf  # a record longer than a block but within the cap: read on
                continue
            yield buf[: cut + 1]
            rest = buf[cut + 1 :]


def _utf8(block: bytes) -> pl.Series | None:
    """A one-element String series, or None if the bytes are not UTF-8 (checked by polars)."""
    try:
        return pl.Series([block], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        return None


def _decodes(block: bytes, encoding: str) -> bool:
    """Whether the whole block decodes: one call, instead of one per line."""
    try:
        block.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _decode_lines(block: bytes, encoding: str) -> tuple[str, int, int]:
    """Decode a block line by line; lines that do not decode are replaced by
    ``MARK_UNDECODABLE`` and their text with replacement characters.
    Returns (text, undecodable lines, lines)."""
    out = []
    bad = 0
    lines = block.split(b"\n")
    for line in lines:
        try:
            out.append(line.decode(encoding))
        except UnicodeDecodeError:
            bad += 1
            out.append(MARK_UNDECODABLE + line.decode(encoding, errors="replace"))
    return "\n".join(out), bad, len(lines)


class _Text:
    """A delivered text file: its encoding decided once, then decoded block by block.

    The first block with a non-ASCII byte decides (ASCII reads the same either way):
    UTF-8 if it is valid UTF-8, else GBK (read as its superset GB 18030), judged on
    the lines that decode when a few do not. The other encoding than the contract's is
    accepted with a note and the ``encoding_fallback`` flag. A line that does not
    decode is quarantined alone (``bad_encoding``); a file where many do (another or
    mixed encodings) is rejected as a whole.
    """

    def __init__(
        self,
        path: Path,
        contract: str,
        header: bool,
        multiline: bool,
        max_record: int,
        record_start: str | None = None,
    ) -> None:
        self.path, self.contract, self.header = path, contract, header
        self.multiline, self.max_record, self.record_start = multiline, max_record, record_start
        self.note: str | None = None
        self.blank = True
        self.gbk = False
        self.bad_lines = self.lines_before = 0
        self.marked = False
        with path.open("rb") as fh:
            head = fh.read(BLOCK_BYTES).removeprefix(BOM)
            self.blank = not head.strip()
            block = head
            while block and block.isascii():
                block = fh.read(BLOCK_BYTES)
            if block:
                block += fh.readline(max_record)  # end at a line break: no character cut
                self._decide(block[: block.rfind(b"\n") + 1] or block)

    def _decide(self, sample: bytes) -> None:
        if _utf8(sample) is not None:
            if self.contract in GB_ENCODINGS:
                self.note = "file is UTF-8, contract says GBK: read as UTF-8"
            return
        # Not all UTF-8: a few damaged lines in the contract's encoding (quarantined
        # alone) or a file in the other one. The contract's encoding first: GB 18030
        # decodes most UTF-8 bytes too (as the wrong characters).
        order = ["gb18030", "utf-8"] if self.contract in GB_ENCODINGS else ["utf-8", "gb18030"]
        for enc in order:
            if _decodes(sample, enc):
                break  # every line decodes (0x0A is never inside a character)
            bad, lines = _decode_lines(sample, enc)[1:]
            if bad <= max(UNDECODABLE_SHARE * lines, UNDECODABLE_FEW):
                break
        else:
            tried = "GBK (or UTF-8)" if self.contract in GB_ENCODINGS else "UTF-8 (or GBK)"
            raise self.undecodable(f"does not decode as {tried}")
        self.gbk = enc == "gb18030"
        if self.gbk and self.contract not in GB_ENCODINGS:
            self.note = "file is GBK, contract says UTF-8: read as GBK"
        elif not self.gbk and self.contract in GB_ENCODINGS:
            self.note = "file is UTF-8, contract says GBK: read as UTF-8"

    def decode(self, block: bytes) -> pl.Series:
        self.marked = False  # whether lines of this block were marked undecodable
        if block.isascii():
            return pl.Series([block.decode("ascii")])
        if self.gbk:
            try:
                # CPython's GB 18030 codec (~300 MB/s) is the fastest GBK decoder here.
                return pl.Series([block.decode("gb18030")])
            except UnicodeDecodeError:
                pass
        else:
            text = _utf8(block)
            if text is not None:
                return text
        enc = "gb18030" if self.gbk else "utf-8"
        decoded, bad, lines = _decode_lines(block, enc)
        self.bad_lines += bad
        self.marked = bad > 0
        # Judged over the file so far once it has enough lines (blocks are cut by size,
        # not content), and over the whole file at its end (``blocks``).
        so_far = self.lines_before + lines
        if so_far >= JUDGE_LINES and self.bad_lines > max(
            UNDECODABLE_SHARE * so_far, UNDECODABLE_FEW
        ):
            name = "GBK" if self.gbk else "UTF-8"
            raise self.undecodable(f"does not decode as {name} throughout (mixed encodings?)")
        return pl.Series([decoded])

    def undecodable(self, what: str) -> FileRejected:
        """Reject the whole file; every non-blank line (but the header) is accounted.
        Read line by line (each at most the record cap), never the whole file at once."""
        originals: list[str] = []
        with self.path.open("rb") as fh:
            first = True
            while line := fh.readline(self.max_record):
                if first:
                    line = line.removeprefix(BOM)
                if not line.endswith(b"\n"):
                    rest = fh.readline(self.max_record)
                    while rest and not rest.endswith(b"\n"):
                        rest = fh.readline(self.max_record)  # skip an overlong line's tail
                    line = _head(line)
                if not line.strip():
                    continue
                if first and self.header:
                    first = False
                    continue
                first = False
                originals.append(line.rstrip(b"\r\n").decode("utf-8", errors="replace"))
        return FileRejected(
            f"file {what}; ask the sender to re-deliver it in the contract encoding",
            received=len(originals),
            originals=originals,
        )

    def lines(self) -> Iterator[pl.Series]:
        for _, lines in self.blocks():
            yield lines

    def blocks(self) -> Iterator[tuple[bytes | None, pl.Series]]:
        """(the block as UTF-8 bytes if it was delivered so, else None; its lines)."""
        # MULTILINE: `^` matches at the position after a line break given to match().
        start = re.compile(self.record_start.encode(), re.M) if self.record_start else None
        for block in _blocks(self.path, self.multiline, self.max_record, start=start):
            text = self.decode(block)
            lines = _lines(text)
            # Decoding keeps every line break (0x0A is never inside a character), so the
            # split has one piece more than the block has breaks: no count over the
            # bytes (which holds the GIL: 2 s of a district ingest).
            self.lines_before += lines.len() - 1
            marked = block.startswith(MARK.encode()) or self.marked
            yield (None if self.gbk or marked else block), lines
        if self.bad_lines > max(UNDECODABLE_SHARE * self.lines_before, UNDECODABLE_FEW):
            name = "GBK" if self.gbk else "UTF-8"
            raise self.undecodable(f"does not decode as {name} throughout (mixed encodings?)")


def _lines(text: pl.Series) -> pl.Series:
    return text.str.split("\n").explode().str.strip_suffix("\r").alias("line")


def line_problems(text: pl.Series, max_record: int) -> pl.Series:
    """Per line or record: the reason it cannot be read (null when it can): a marker
    left by the block reader, a NUL byte, or more bytes than the record cap.
    Three cheap passes; the reasons are only built when some line has one."""
    marked = text.str.starts_with(MARK).fill_null(False)
    nul = text.str.contains("\x00", literal=True).fill_null(False)
    long = (text.str.len_bytes() > max_record).fill_null(False)
    if not (marked.any() or nul.any() or long.any()):
        return pl.repeat(None, text.len(), dtype=pl.String, eager=True).alias("reason")
    frame = pl.DataFrame({"text": text, "marked": marked, "nul": nul, "long": long})
    return frame.select(
        pl.when("marked")
        .then(pl.col("text").str.extract(r"^\x00zhiwang:([a-z_]+)\x00", 1))
        .when("nul")
        .then(pl.lit("nul_byte"))
        .when("long")
        .then(pl.lit("record_too_long"))
        .alias("reason")
    ).to_series()


def _keep(text: pl.Series) -> pl.Series:
    """Original text for audit.quarantine: markers removed, at most KEEP_BYTES bytes."""
    clean = text.str.replace(r"^\x00zhiwang:[a-z_]+\x00", "")
    return clean.str.slice(0, KEEP_BYTES)


# --- CSV ---------------------------------------------------------------------------


def _unquoted_fields(text: pl.Series, sep: str) -> tuple[pl.Series, pl.Series]:
    """Field count with quoted sections removed, and whether a stray quote is left."""
    unquoted = text.str.replace_all(r'"(?:[^"]|"")*"', "")
    return (
        unquoted.str.count_matches(sep, literal=True) + 1,
        unquoted.str.contains('"', literal=True),
    )


class _Records:
    """Physical lines → CSV records of one file kind, with the reason a record cannot
    be read (``broken``, null when it can).

    Where records may not span lines, a record is a line, and a line with an odd
    number of quotes is ``unbalanced_quote`` (alone: the next line reads on). Where
    they may (``multiline``), lines inside a quoted field are joined (RFC 4180, quote
    parity vectorised); a joined record with the wrong field count or over the cap
    means a quote did not close: from there to the end of the block, records are
    re-read one by one, and a line whose quote does not close into a well-formed
    record within the cap is ``unbalanced_quote`` together with the lines after it
    that do not start a plausible record (``record_start``); reading resumes there.
    """

    def __init__(self, fk: FileKind, width: int | None = None) -> None:
        self.fk, self.width = fk, width
        self.sep = fk.separator
        self.cap = fk.max_record_bytes
        self.start = re.compile(fk.record_start) if fk.record_start else None

    def __call__(self, lines: pl.Series) -> pl.DataFrame:
        quotes = lines.str.count_matches('"', literal=True).fill_null(0)
        frame = pl.DataFrame({"text": lines, "q": quotes})
        if not self.fk.multiline or quotes.sum() == 0:
            return self._single(frame)
        frame = frame.with_columns(
            cont=((pl.col("q").cum_sum() - pl.col("q")) % 2 == 1),
        ).with_columns(rec=(~pl.col("cont")).cum_sum())
        if not frame["cont"].any():
            return self._single(frame)
        # A line that starts a plausible record never continues one: if it would, a
        # quote before it did not close.
        restart = (
            pl.col("cont") & pl.col("text").str.contains(self.fk.record_start)
            if self.fk.record_start
            else pl.lit(False)
        )
        grouped = frame.group_by("rec", maintain_order=True).agg(
            pl.col("text").str.join("\n"),
            pl.col("q").sum(),
            pl.len().alias("n"),
            restart.any().alias("restart"),
        )
        suspect = grouped["restart"] | (
            (grouped["n"] > 1) & (grouped["text"].str.len_bytes() > self.cap)
        )
        if self.width is not None:
            fields, _ = _unquoted_fields(grouped["text"], self.sep)
            suspect = suspect | ((grouped["n"] > 1) & (fields != self.width))
        suspect = suspect | (grouped["q"] % 2 == 1)  # the block ended inside a quote
        if not suspect.any():
            return self._out(grouped["text"], grouped["q"] > 0, None)
        first = int(suspect.arg_true()[0])
        line0 = int(grouped["n"].head(first).sum())
        good = grouped.head(first)
        tail = self._one_by_one(lines.slice(line0).to_list())
        head = self._out(good["text"], good["q"] > 0, None)
        return pl.concat([head, tail])

    def _single(self, frame: pl.DataFrame) -> pl.DataFrame:
        odd = frame["q"] % 2 == 1
        broken = None
        if odd.any():
            broken = pl.select(
                pl.when(odd).then(pl.lit("unbalanced_quote")).otherwise(pl.lit(None, pl.String))
            ).to_series()
        return self._out(frame["text"], frame["q"] > 0, broken)

    def _out(self, text: pl.Series, quoted: pl.Series, broken: pl.Series | None) -> pl.DataFrame:
        problems = line_problems(text, self.cap)
        if broken is not None:
            problems = problems.fill_null(broken)
        return pl.DataFrame({"text": text, "quoted": quoted, "broken": problems}).filter(
            pl.col("text").str.len_bytes() > 0
        )

    def _well_formed(self, text: str) -> bool:
        if self.width is None:
            return True
        unquoted = re.sub(r'"(?:[^"]|"")*"', "", text)
        return '"' not in unquoted and unquoted.count(self.sep) + 1 == self.width

    def _one_by_one(self, lines: list[str]) -> pl.DataFrame:
        texts: list[str] = []
        broken: list[str | None] = []
        i, n = 0, len(lines)
        while i < n:
            line = lines[i]
            if line.count('"') % 2 == 0:
                texts.append(line)
                broken.append(None)
                i += 1
                continue
            j, text, size = i + 1, line, len(line.encode())
            while (
                j < n
                and text.count('"') % 2
                and size <= self.cap
                and not (self.start is not None and self.start.match(lines[j]))
            ):
                text += "\n" + lines[j]
                size += len(lines[j].encode()) + 1
                j += 1
            if text.count('"') % 2 == 0 and size <= self.cap and self._well_formed(text):
                texts.append(text)
                broken.append(None)
                i = j
                continue
            # The quote does not close into a record: this line, and the lines after
            # it that cannot start a record, are one unreadable record.
            j = i + 1
            while j < n and self.start is not None and not self.start.match(lines[j]):
                j += 1
            texts.append("\n".join(lines[i:j]))
            broken.append("unbalanced_quote")
            i = j
        text = pl.Series(texts, dtype=pl.String)
        return self._out(
            text,
            text.str.contains('"', literal=True),
            pl.Series(broken, dtype=pl.String),
        )


def _numbered(parts: Iterator[pl.DataFrame], opened: Opened) -> Iterator[pl.DataFrame]:
    """Give each record its 1-based data row number across blocks; count ``received``."""
    for part in parts:
        if part.height == 0:
            continue
        part = part.with_columns(
            pl.int_range(
                opened.received + 1, opened.received + 1 + part.height, dtype=pl.Int64
            ).alias("_row_number")
        )
        opened.received += part.height
        yield part


def _open_csv(path: Path, fk: FileKind, chunk_rows: int) -> Opened:
    text = _Text(path, fk.encoding, True, fk.multiline, fk.max_record_bytes, fk.record_start)
    if text.blank:
        raise FileRejected("file is empty (no header row); ask the sender to re-deliver it", 0)
    blocks = text.lines()
    header_text = None
    for lines in blocks:
        # The header is the first non-blank line; a damaged one matches no contract
        # header, so the file is rejected with every data line accounted.
        nonblank = (lines.str.strip_chars().str.len_bytes() > 0).fill_null(False)
        if nonblank.any():
            at = int(nonblank.arg_true()[0])
            header_text, rest = lines[at], lines.slice(at + 1)
            break
    if header_text is None:
        raise FileRejected("file is empty (no header row); ask the sender to re-deliver it", 0)
    header = next(csv.reader([header_text], delimiter=fk.separator))
    mapping, missing, extras = match_header(header, fk)
    records = _Records(fk, len(header))
    body_lines = itertools.chain([rest], blocks)
    body = (records(lines) for lines in body_lines)
    opened = Opened(received=0, chunks=iter(()), extra_columns=extras)
    if missing:
        originals = [t for part in body for t in _keep(part["text"]).to_list()]
        raise FileRejected(
            f"header lacks column(s) {', '.join(missing)}; ask the sender to re-deliver "
            "with the contract's header",
            received=len(originals),
            originals=originals,
        )
    positions = {i: mapping[name] for i, name in enumerate(header) if name in mapping}
    opened.chunks = _csv_chunks(
        _numbered(body, opened), len(header), positions, fk.separator, header_text
    )
    if text.note:
        opened.notes.append(text.note)
        opened.flags.append("encoding_fallback")
    return opened


def _csv_chunks(
    parts: Iterator[pl.DataFrame],
    width: int,
    positions: dict[int, str],
    sep: str,
    header: str,
) -> Iterator[Chunk]:
    yielded = False
    for part in parts:
        yielded = True
        # A copy of the header inside the body (files concatenated): not a data row.
        text = part["text"]
        again = ((text == header) | (text == "\ufeff" + header)).fill_null(False)
        if again.any() or part["broken"].null_count() < part.height:
            part = part.with_columns(
                broken=pl.when(again).then(pl.lit("repeated_header")).otherwise("broken")
            )
            unreadable = part.filter(pl.col("broken").is_not_null())
            part = part.filter(pl.col("broken").is_null())
        else:
            unreadable = part.clear()
        plain = part.filter(~pl.col("quoted"))
        fields = plain["text"].str.count_matches(sep, literal=True) + 1
        ok = plain.filter(fields == width)
        split = ok["text"].str.split_exact(sep, width - 1).struct.unnest()
        rows = pl.DataFrame(
            [ok["_row_number"], ok["text"].alias("_original")]
            + [split.to_series(i).alias(name) for i, name in positions.items()]
        )
        bad = [_field_count(plain.filter(fields != width), width), _unreadable(unreadable)]
        quoted = part.filter(pl.col("quoted"))
        if quoted.height:
            q_rows, q_bad = _quoted(quoted, width, positions, sep)
            rows = pl.concat([rows, q_rows]).sort("_row_number")
            bad.append(q_bad)
        yield rows, pl.concat(bad)
    if not yielded:
        rows = pl.DataFrame(
            {"_row_number": [], "_original": []},
            schema={"_row_number": pl.Int64, "_original": pl.String},
        ).with_columns([pl.lit(None, pl.String).alias(v) for v in positions.values()])
        yield rows, empty_bad()


DETAILS = {
    "unbalanced_quote": "a quote opens and does not close within the record",
    "record_too_long": "record longer than the contract's max_record_bytes",
    "nul_byte": "record contains NUL bytes",
    "bad_encoding": "line does not decode in the file's encoding",
    "repeated_header": "a copy of the header row inside the data",
}


def _unreadable(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "_row_number",
        pl.col("broken").alias("reason_code"),
        pl.lit(None, pl.String).alias("column_name"),
        pl.col("broken").replace_strict(DETAILS, default="unreadable record").alias("detail"),
        _keep(pl.col("text")).alias("_original"),
    )


def _field_count(frame: pl.DataFrame, width: int) -> pl.DataFrame:
    return frame.select(
        "_row_number",
        pl.lit("field_count").alias("reason_code"),
        pl.lit(None, pl.String).alias("column_name"),
        pl.lit(f"record does not have the header's {width} fields").alias("detail"),
        pl.col("text").alias("_original"),
    )


def _quoted(
    frame: pl.DataFrame, width: int, positions: dict[int, str], sep: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records with quotes: count fields with the quoted sections removed (vectorised),
    split the well-formed ones with polars' RFC 4180 reader, and leave only records
    with stray quotes to the csv module."""
    unquoted = frame["text"].str.replace_all(r'"(?:[^"]|"")*"', "")
    stray = unquoted.str.contains('"', literal=True)
    fields = unquoted.str.count_matches(sep, literal=True) + 1
    good = frame.filter(~stray & (fields == width))
    bad = [_field_count(frame.filter(~stray & (fields != width)), width)]
    split = _polars_split(good, width, positions, sep)
    if split is None:  # polars would not split them all: the csv module, row by row
        split, good_bad = _python_split(good, width, positions, sep)
        bad.append(good_bad)
    rows = [split]
    odd = frame.filter(stray)
    if odd.height:
        odd_rows, odd_bad = _python_split(odd, width, positions, sep)
        rows.append(odd_rows)
        bad.append(odd_bad)
    return pl.concat(rows), pl.concat(bad)


def _polars_split(
    frame: pl.DataFrame, width: int, positions: dict[int, str], sep: str
) -> pl.DataFrame | None:
    """Well-formed quoted records split by polars' reader; None if it cannot split
    them all one record each (then the caller splits them one by one)."""
    schema = {f"c{i}": pl.String for i in range(width)}
    if frame.height:
        body = frame["text"].str.join("\n").item().encode()
        try:
            parsed = pl.read_csv(
                body,
                has_header=False,
                schema=schema,
                separator=sep,
                quote_char='"',
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            parsed = None  # should not happen for well-formed records; be exact anyway
        if parsed is None or parsed.height != frame.height:
            return None
    else:
        parsed = pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [frame["_row_number"], frame["text"].alias("_original")]
        + [parsed.to_series(i).alias(name) for i, name in positions.items()]
    )


def _python_split(
    frame: pl.DataFrame, width: int, positions: dict[int, str], sep: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rare path: records with stray quotes are split as Python's csv module reads them."""
    parsed = [next(csv.reader([t], delimiter=sep), []) for t in frame["text"].to_list()]
    good = pl.Series([len(p) == width for p in parsed], dtype=pl.Boolean)
    kept = [p for p, g in zip(parsed, good, strict=True) if g]
    cols = [pl.Series(name, [p[i] for p in kept], pl.String) for i, name in positions.items()]
    ok = frame.filter(good)
    rows = pl.DataFrame([ok["_row_number"], ok["text"].alias("_original"), *cols])
    return rows, _field_count(frame.filter(~good), width)


# --- JSON lines ----------------------------------------------------------------------


def _open_jsonl(path: Path, fk: FileKind, chunk_rows: int) -> Opened:
    text = _Text(path, fk.encoding, False, False, fk.max_record_bytes)
    bodies: list[bytes | None] = []

    def parts() -> Iterator[pl.DataFrame]:
        for body, lines in text.blocks():
            kept = lines.filter(lines.str.strip_chars().str.len_bytes() > 0)
            # polars' JSON reader can take the block's bytes as they are when every
            # line of it is a record (the split lines end with one empty tail).
            blank = lines.len() - kept.len()
            bodies.append(body if body is not None and blank <= 1 else None)
            yield pl.DataFrame({"text": kept})

    blocks = parts()
    first = next(
        (p for p in blocks if p.height), pl.DataFrame({"text": []}, schema={"text": pl.String})
    )
    seen: set[str] = set()
    for line in first["text"].head(1000).to_list():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            seen.update(obj)
    sources = {c.source for c in fk.columns}
    opened = Opened(received=0, chunks=iter(()), extra_columns=sorted(seen - sources))
    numbered = _numbered(itertools.chain([first], blocks), opened)
    opened.chunks = _jsonl_chunks(numbered, fk, bodies)
    if text.note:
        opened.notes.append(text.note)
        opened.flags.append("encoding_fallback")
    return opened


def _jsonl_chunks(
    parts: Iterator[pl.DataFrame], fk: FileKind, bodies: list[bytes | None]
) -> Iterator[Chunk]:
    schema = {c.source: pl.String for c in fk.columns}
    names = {c.source: c.name for c in fk.columns}
    yielded = False
    for part in itertools.chain(parts, [None]):
        if part is None:
            if yielded:
                return
            part = pl.DataFrame(schema={"text": pl.String, "_row_number": pl.Int64})
        yielded = True
        body = bodies[-1] if bodies else None
        bodies.clear()
        reasons = line_problems(part["text"], fk.max_record_bytes)
        unreadable = pl.DataFrame()
        if reasons.is_not_null().any():
            unreadable = _unreadable(
                part.filter(reasons.is_not_null()).with_columns(
                    broken=reasons.filter(reasons.is_not_null())
                )
            )
            part, body = part.filter(reasons.is_null()), None
        decoded = _read_ndjson(part["text"], schema, body)
        if decoded is not None:
            good, bad = part, empty_bad()
        else:
            # Some line is not JSON: find them (slower per-line check), decode the rest.
            text = part["text"]
            valid = text.str.json_path_match(
                "$"
            ).is_not_null() & text.str.strip_chars().str.starts_with("{")
            good = part.filter(valid)
            bad = part.filter(~valid).select(
                "_row_number",
                pl.lit("bad_json").alias("reason_code"),
                pl.lit(None, pl.String).alias("column_name"),
                pl.lit("line is not a JSON object").alias("detail"),
                pl.col("text").alias("_original"),
            )
            decoded = _read_ndjson(good["text"], schema)
            if decoded is None:
                decoded = _python_json(good["text"], schema)
        if unreadable.height:
            bad = pl.concat([bad, unreadable]).sort("_row_number")
        rows = pl.concat(
            [
                good.select("_row_number", pl.col("text").alias("_original")),
                decoded.rename(names),
            ],
            how="horizontal",
        )
        yield rows, bad


def _read_ndjson(
    lines: pl.Series, schema: dict[str, type[pl.DataType]], body: bytes | None = None
) -> pl.DataFrame | None:
    """polars' JSON reader (nested values come back as JSON text); None if any line fails.
    ``body``: the same lines as UTF-8 bytes, if the caller has them (saves a join)."""
    if lines.len() == 0:
        return pl.DataFrame(schema=schema)
    if body is None:
        body = lines.str.join("\n").item().encode()
    try:
        out = pl.read_ndjson(io.BytesIO(body), schema=schema)
    except pl.exceptions.PolarsError:
        return None
    return out if out.height == lines.len() else None


def _python_json(lines: pl.Series, schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    """Rare path: lines polars will not read as given are stringified per value."""
    objs = [json.loads(t) for t in lines.to_list()]
    return pl.DataFrame(
        {k: pl.Series(k, [_json_text(o.get(k)) for o in objs], pl.String) for k in schema}
    )


def _json_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# --- Excel and Parquet -----------------------------------------------------------------


def _tabular(frame: pl.DataFrame, fk: FileKind, what: str) -> tuple[pl.DataFrame, list[str]]:
    """Rename a string frame's columns to raw names, or reject the file."""
    mapping, missing, extras = match_header(frame.columns, fk)
    frame = frame.with_row_index("_row_number", offset=1).with_columns(
        pl.col("_row_number").cast(pl.Int64),
        pl.concat_str([pl.col(c).fill_null("") for c in frame.columns], separator=",").alias(
            "_original"
        ),
    )
    if missing:
        raise FileRejected(
            f"{what} lacks column(s) {', '.join(missing)}; ask the sender to re-deliver "
            "with the contract's columns",
            received=frame.height,
            originals=frame["_original"].to_list(),
        )
    return frame.select(
        "_row_number", "_original", *[pl.col(k).alias(v) for k, v in mapping.items()]
    ), extras


# xlsx sheets are read whole: their cells and unpacked size are capped (a small zip can
# unpack to gigabytes).
MAX_XLSX_CELLS = 20_000_000
MAX_XLSX_UNPACKED = 1 << 30


def _check_xlsx_size(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # the reader reports an unreadable workbook
    if unpacked > MAX_XLSX_UNPACKED:
        raise FileRejected(
            f"workbook unpacks to {unpacked:,} bytes, over the cap of {MAX_XLSX_UNPACKED:,}; "
            "ask the sender to split it or deliver CSV",
            0,
        )


def _open_xlsx(path: Path, fk: FileKind, chunk_rows: int) -> Opened:
    import fastexcel

    try:
        sheets = fastexcel.read_excel(str(path)).sheet_names
    except Exception as err:  # calamine raises its own error types for corrupt files
        raise FileRejected(
            f"not a readable xlsx workbook ({type(err).__name__}); ask for a re-delivery", 0
        ) from None
    _check_xlsx_size(path)
    notes: list[str] = []
    sheet = fk.sheet
    if sheet not in sheets:
        if len(sheets) != 1:
            raise FileRejected(
                f"workbook has no sheet {fk.sheet!r} (has {sheets}); ask for a re-delivery", 0
            )
        notes.append(f"sheet {fk.sheet!r} missing; read the only sheet {sheets[0]!r}")
        sheet = sheets[0]
    loaded = fastexcel.read_excel(str(path)).load_sheet(sheet, n_rows=0)
    cells = loaded.total_height * loaded.width
    if cells > MAX_XLSX_CELLS:
        raise FileRejected(
            f"sheet {sheet!r} has {cells:,} cells, over the cap of {MAX_XLSX_CELLS:,}; ask "
            "the sender to split it or deliver CSV",
            0,
        )
    frame = pl.read_excel(path, sheet_name=sheet, infer_schema_length=0)
    frame = frame.with_columns(pl.all().cast(pl.String))
    rows, extras = _tabular(frame, fk, f"sheet {sheet!r}")
    return Opened(
        received=rows.height,
        chunks=_slices(rows, chunk_rows),
        extra_columns=extras,
        notes=notes,
    )


def _slices(rows: pl.DataFrame, chunk_rows: int) -> Iterator[Chunk]:
    for start in range(0, max(rows.height, 1), chunk_rows):
        yield rows.slice(start, chunk_rows), empty_bad()


def _open_parquet(path: Path, fk: FileKind, chunk_rows: int) -> Opened:
    try:
        meta = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
        raise FileRejected(
            f"not a readable Parquet file ({type(err).__name__}); ask for a re-delivery", 0
        ) from None
    names = meta.schema_arrow.names
    mapping, missing, extras = match_header(names, fk)
    received = meta.metadata.num_rows
    if missing:
        raise FileRejected(
            f"Parquet file lacks column(s) {', '.join(missing)}; ask the sender to "
            "re-deliver with the contract's columns",
            received=received,
            originals=_parquet_originals(meta),
        )
    return Opened(
        received=received,
        chunks=_parquet_chunks(path, meta, mapping, chunk_rows),
        extra_columns=extras,
    )


def _as_string(frame: pl.DataFrame) -> pl.DataFrame:
    """Any physical type → String (lists as JSON-like text, the list parser reads it)."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            col = pl.format(
                "[{}]",
                col.cast(pl.List(pl.String))
                .list.eval(pl.format('"{}"', pl.element()))
                .list.join(","),
            )
        elif dtype != pl.String:
            col = col.cast(pl.String)
        out.append(col.alias(name))
    return frame.select(out)


def _parquet_originals(meta: pq.ParquetFile) -> list[str]:
    frame = _as_string(pl.from_arrow(meta.read()))  # type: ignore[arg-type]
    return (
        frame.select(pl.concat_str([pl.col(c).fill_null("") for c in frame.columns], separator=","))
        .to_series()
        .to_list()
    )


def original_text(frame: pl.DataFrame) -> pl.Series:
    """Rows as delivered, comma-joined text (for quarantine), from a chunk that carries
    its delivered columns instead of an ``_original`` column (Parquet)."""
    cols = [c for c in frame.columns if c != "_row_number"]
    text = _as_string(frame.select(cols))
    return text.select(
        pl.concat_str([pl.col(c).fill_null("") for c in cols], separator=",")
    ).to_series()


EXTRA = "_extra:"


def _parquet_chunks(
    path: Path, meta: pq.ParquetFile, mapping: dict[str, str], chunk_rows: int
) -> Iterator[Chunk]:
    """Chunks in the file's own physical types (the transform takes typed columns as
    they are and casts only what it must); every delivered column is kept, in order,
    so that a quarantined row's original text can be rebuilt without building it for
    every row. Extra columns ride along as ``_extra:<name>``.

    polars' own reader reads each chunk's row groups (about 4x faster than pyarrow
    batches converted with ``pl.from_arrow``); a file it cannot read (a physical type
    it lacks) is read through pyarrow."""
    names = meta.schema_arrow.names
    total = meta.metadata.num_rows
    frames: Iterator[pl.DataFrame] = (
        pl.scan_parquet(path, glob=False).slice(start, chunk_rows).collect()
        for start in range(0, total, chunk_rows)
    )
    try:
        first = next(frames, None)
    except pl.exceptions.PolarsError:
        first, frames = (
            None,
            (
                pl.from_arrow(batch)  # type: ignore[misc]
                for batch in meta.iter_batches(batch_size=chunk_rows)
            ),
        )
    offset = 1
    for frame in itertools.chain([] if first is None else [first], frames):
        assert isinstance(frame, pl.DataFrame)
        frame = frame.select(
            pl.int_range(offset, offset + frame.height, dtype=pl.Int64).alias("_row_number"),
            *[pl.col(n).alias(mapping.get(n, EXTRA + n)) for n in names],
        )
        offset += frame.height
        yield frame, empty_bad()
    if offset == 1:
        schema = {mapping.get(n, EXTRA + n): pl.String for n in names}
        yield pl.DataFrame(schema={"_row_number": pl.Int64, **schema}), empty_bad()
