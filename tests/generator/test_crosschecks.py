"""Cross-check rules (关联比对) on the delivered files: found exactly where planted.

The warehouse's ``rpt_cross_checks`` rules are re-computed here with polars
straight from the landing files (no ingest, no dbt), reading them the way the
ingest must: keys stripped of whitespace, full-width digits folded, legacy
15-digit IDs upgraded, and rows the ingest cannot keep (truncated records,
citizen IDs / USCCs with a wrong check character in a key column) dropped.

A clean delivery set (``dirt = 0``) must give no finding at all; a dirty one
must give exactly the cases its manifest records, no accidental extra ones.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from generator.api import generate
from generator.ids import ric_check_chars, uscc_is_valid

START = date(2026, 10, 1)
HIGH_BASE_YUAN = 10_000  # dbt var xc_high_base_yuan
SHARED_ROOM_ENTITIES = 50  # dbt var xc_shared_room_entities
ACTIVE_SCJG = {"存续", "在业"}
ACTIVE_MZ = {"正常", "登记", "存续", ""}
csv.field_size_limit(1 << 24)  # planted overlong records (100 KB fields)
_FOLD = str.maketrans({chr(0xFF10 + d): str(d) for d in range(10)})

RULES = {
    "xc_assistance_legal_rep",
    "xc_assistance_high_base",
    "xc_insured_no_residence",
    "xc_entity_no_building",
    "xc_building_over_capacity",
    "shared_room_entities",
}


def norm(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).translate(_FOLD).strip()
    return s or None


def _ids(values: pl.Series) -> pl.Series:
    """Citizen IDs as the ingest keeps them: upgraded from 15 digits; null when invalid."""
    out = []
    for v in values.to_list():
        v = norm(v)
        if v is not None and len(v) == 15 and v.isdigit():
            v = v[:6] + "19" + v[6:]
            v += chr(ric_check_chars(np.frombuffer(v.encode(), np.uint8)[None, :])[0])
        ok = v is not None and len(v) == 18 and v[:17].isdigit()
        if ok:
            body = np.frombuffer(v[:17].encode(), np.uint8)[None, :]
            ok = chr(ric_check_chars(body)[0]) == v[17].upper()
        out.append(v.upper() if ok else None)
    return pl.Series(out, dtype=pl.String)


def _usccs(values: pl.Series) -> pl.Series:
    s = pl.Series([norm(v) or "" for v in values.to_list()], dtype=pl.String)
    padded = s.str.pad_end(18, "0").str.slice(0, 18)
    ok = uscc_is_valid(padded) & (s.str.len_chars() == 18).to_numpy()
    return s.zip_with(pl.Series(ok), pl.Series([None] * len(s), dtype=pl.String))


def _readable(line: str) -> bool:
    """A line these register-like files (one record per line) can load: quotes
    balanced, no NUL bytes, within the 64 KiB record cap (docs/DESIGN.md)."""
    return line.count('"') % 2 == 0 and "\x00" not in line and len(line.encode()) <= 64 << 10


def _csv(path: Path, encoding: str) -> pl.DataFrame:
    """All values as text; unreadable lines and records with the wrong number of
    fields dropped."""
    text = path.read_bytes().decode(encoding).removeprefix("\ufeff")
    lines = [ln.removesuffix("\r") for ln in text.split("\n") if ln.strip()]
    recs = [next(csv.reader(io.StringIO(ln))) for ln in lines if _readable(ln)]
    header, body = recs[0], [r for r in recs[1:] if len(r) == len(recs[0])]
    return pl.DataFrame(
        [dict(zip(header, r, strict=True)) for r in body],
        schema={c: pl.String for c in header},
    ).with_row_index("_row")


def _files(landing: Path, feed: str, pattern: str) -> list[tuple[date, Path]]:
    """(delivery date, path) for complete deliveries only, oldest first."""
    out = []
    for folder in sorted((landing / feed).iterdir()):
        if (folder / "_SUCCESS").exists():
            out += [
                (date.fromisoformat(folder.name), p)
                for p in sorted(folder.glob(pattern))
                if not p.is_symlink()  # refused by the ingest
            ]
    return out


def _latest_file_per_name(files: list[tuple[date, Path]]) -> list[tuple[date, Path]]:
    """A later delivery of the same file name supersedes the earlier one."""
    by_name: dict[str, tuple[date, Path]] = {}
    for d, p in files:
        by_name[p.name] = (d, p)
    return sorted(by_name.values())


def _stack(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames, how="diagonal_relaxed")


def findings(landing: Path) -> dict[str, set[str]]:
    """Per rule, the keys the warehouse's cross-checks find in these deliveries."""
    # population: anyone with a loadable row in either channel has a residence record
    residents: set[str] = set()
    for _, p in _latest_file_per_name(_files(landing, "population", "ga_rkxx_*.csv")):
        residents |= set(_ids(_csv(p, "gbk")["GMSFHM"]).drop_nulls())
    for _, p in _latest_file_per_name(_files(landing, "population", "grid_rkcj_*.jsonl")):
        recs = [json.loads(x) for x in p.read_text("utf-8").splitlines()]
        residents |= set(_ids(pl.Series([r["id_number"] for r in recs])).drop_nulls())

    # insured persons: latest change per person
    cbry = []
    for d, p in _latest_file_per_name(_files(landing, "social_security", "cbry_*.csv")):
        f = _csv(p, "utf-8")
        cbry.append(f.with_columns(_ids(f["id_number"]).alias("pid"), pl.lit(d).alias("_d")))
    insured = (
        _stack(cbry)
        .filter(pl.col("pid").is_not_null())
        .sort("updated_at", "_d", "_row")
        .group_by("pid")
        .last()
    )
    active_insured = insured.filter(
        (pl.col("status").str.strip_chars() == "active") & (pl.col("op") != "D")
    )
    no_residence = set(active_insured["pid"]) - residents

    # assistance recipients and contributions
    recipients: set[str] = set()
    for _, p in _latest_file_per_name(_files(landing, "social_security", "jzff_*.csv")):
        f = _csv(p, "utf-8")
        f = f.with_columns(_ids(f["id_number"]).alias("pid"))
        recipients |= set(f.filter(pl.col("program").is_in(["dibao", "tekun"]))["pid"].drop_nulls())
    high: set[str] = set()
    for _, p in _latest_file_per_name(_files(landing, "social_security", "jfmx_*.parquet")):
        f = pl.read_parquet(p)
        f = f.with_columns(_ids(f["id_number"]).alias("pid"))
        high |= set(f.filter(pl.col("base_yuan").cast(pl.Float64) > HIGH_BASE_YUAN)["pid"])
    high_base = (high - {None}) & recipients

    # entities: current version per USCC across both registries
    versions = []
    for d, p in _files(landing, "entities", "scjg_frxx_*.csv"):
        f = _csv(p, "utf-8-sig")
        versions.append(
            f.select(
                _usccs(f["统一社会信用代码"]).alias("uscc"),
                pl.col("更新时间").alias("at"),
                pl.lit(d).alias("_d"),
                "_row",
                pl.col("登记状态").is_in(list(ACTIVE_SCJG)).alias("active"),
                pl.col("经营场所房屋编码").map_elements(norm, pl.String).alias("room"),
                _ids(f["法定代表人证件号码"]).alias("rep"),
            )
        )
    for d, p in _files(landing, "entities", "mz_shzz_*.xlsx"):
        f = pl.read_excel(p, sheet_name="社会组织", infer_schema_length=0).with_row_index("_row")
        versions.append(
            f.select(
                _usccs(f["统一社会信用代码"]).alias("uscc"),
                pl.lit(f"{d} 00:00:00").alias("at"),
                pl.lit(d).alias("_d"),
                "_row",
                pl.col("状态").fill_null("").is_in(list(ACTIVE_MZ)).alias("active"),
                pl.col("住所房屋编码").map_elements(norm, pl.String).alias("room"),
                pl.lit(None, pl.String).alias("rep"),
            )
        )
    entities = (
        _stack(versions)
        .filter(pl.col("uscc").is_not_null())
        .sort("at", "_d", "_row")
        .group_by("uscc")
        .last()
        .filter(pl.col("active"))
        .with_columns(pl.col("room").str.slice(0, 17).alias("building"))
    )
    legal_rep = set(entities["rep"].drop_nulls()) & recipients

    buildings: set[str] = set()
    for _, p in _files(landing, "housing", "ld_*.csv"):
        buildings |= {norm(b) for b in _csv(p, "utf-8")["building_code"]}
    rooms = _stack([pl.read_parquet(p) for _, p in _files(landing, "housing", "fw_*.parquet")])
    rooms = (
        rooms.select(
            pl.col("room_code").map_elements(norm, pl.String),
            pl.col("building_code").map_elements(norm, pl.String),
        )
        .unique("room_code")
        .group_by("building_code")
        .len("rooms")
    )
    no_building = set(
        entities.filter(
            pl.col("building").is_not_null() & ~pl.col("building").is_in(list(buildings))
        )["uscc"]
    )
    per_building = (
        entities.filter(pl.col("building").is_in(list(buildings)))
        .group_by("building")
        .len("entities")
        .join(rooms, left_on="building", right_on="building_code", how="left")
        .filter(pl.col("entities") > pl.col("rooms").fill_null(0))
    )
    shared = entities.group_by("room").len().filter(pl.col("len") > SHARED_ROOM_ENTITIES)
    return {
        "xc_assistance_legal_rep": legal_rep,
        "xc_assistance_high_base": high_base,
        "xc_insured_no_residence": no_residence,
        "xc_entity_no_building": no_building,
        "xc_building_over_capacity": set(per_building["building"]),
        "shared_room_entities": set(shared["room"].drop_nulls()),
    }


def planted(gt: Path) -> dict[str, set[str]]:
    m = pl.read_parquet(gt / "manifest.parquet")
    return {r: set(m.filter(pl.col("defect") == r)["key"].drop_nulls()) for r in RULES}


@pytest.mark.parametrize(("seed", "days"), [(42, 7), (5, 1), (11, 9)])
def test_clean_deliveries_give_no_cross_check_finding(tmp_path: Path, seed: int, days: int) -> None:
    generate(
        tmp_path / "landing",
        tmp_path / "gt",
        scale="tiny",
        seed=seed,
        start=START,
        days=days,
        dirt=0.0,
    )
    found = findings(tmp_path / "landing")
    assert {rule: keys for rule, keys in found.items() if keys} == {}
    assert pl.read_parquet(tmp_path / "gt" / "manifest.parquet").height == 0


@pytest.mark.parametrize(("seed", "days", "dirt"), [(42, 7, 1.0), (3, 6, 2.0), (9, 1, 4.0)])
def test_dirty_deliveries_give_exactly_the_planted_cases(
    tmp_path: Path, seed: int, days: int, dirt: float
) -> None:
    generate(
        tmp_path / "landing",
        tmp_path / "gt",
        scale="tiny",
        seed=seed,
        start=START,
        days=days,
        dirt=dirt,
    )
    found, want = findings(tmp_path / "landing"), planted(tmp_path / "gt")
    for rule in sorted(RULES):
        assert want[rule], f"{rule}: nothing planted"
        assert found[rule] == want[rule], (
            f"{rule}: unplanted {sorted(found[rule] - want[rule])[:5]}, "
            f"missed {sorted(want[rule] - found[rule])[:5]}"
        )


KEY_COLUMN = {
    "ga_rkxx": "GMSFHM",
    "grid_rkcj": "record_id",
    "scjg_frxx": "统一社会信用代码",
    "fw": "room_code",
    "zlba": "filing_id",
    "cbry": "id_number",
    "jfmx": "id_number",
}


def _keys_as_written(path: Path, column: str) -> list[str | None]:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)[column].to_list()
    if path.suffix == ".jsonl":
        return [json.loads(x)[column] for x in path.read_text("utf-8").splitlines()]
    encoding = "gbk" if path.name.startswith("ga_rkxx") else "utf-8-sig"
    # One record per physical line in these files (a planted stray quote stays on its line).
    text = path.read_bytes().decode(encoding).removeprefix("\ufeff")
    lines = [ln.removesuffix("\r") for ln in text.split("\n") if ln]
    recs = [next(csv.reader([ln])) for ln in lines]
    at = recs[0].index(column)
    return [r[at] if len(r) > at else None for r in recs[1:]]


def test_big_files_written_in_chunks_are_deterministic_and_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small chunks stand in for district-size files: many chunks per file."""
    import generator.feeds._common as common
    import generator.feeds.population as population
    import generator.feeds.social_security as social_security

    monkeypatch.setattr(common, "CHUNK_ROWS", 1_500)
    monkeypatch.setattr(population, "CHUNK_ROWS", 1_500)
    monkeypatch.setattr(social_security, "JFMX_CHUNK_PERSONS", 700)
    runs = []
    for name in ("a", "b"):
        generate(
            tmp_path / name / "landing",
            tmp_path / name / "gt",
            scale="tiny",
            seed=8,
            start=START,
            days=6,
            dirt=3.0,
        )
        runs.append(tmp_path / name)
    a, b = (sorted(p for p in (r / "landing").rglob("*") if p.is_file()) for r in runs)
    assert [p.relative_to(runs[0]) for p in a] == [p.relative_to(runs[1]) for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa
    m = pl.read_parquet(runs[0] / "gt" / "manifest.parquet")
    assert m.equals(pl.read_parquet(runs[1] / "gt" / "manifest.parquet"))

    # every row defect names the row it sits in, across chunk boundaries
    summary = json.loads((runs[0] / "gt" / "summary.json").read_text("utf-8"))
    multi_chunk = {f["file"] for f in summary["files"] if f["rows"] > 3_000}
    assert {"ga_rkxx", "grid_rkcj", "fw", "jfmx"} <= {n.split("_2")[0] for n in multi_chunk}
    rows = m.filter((pl.col("level") == "row") & pl.col("file_kind").is_in(list(KEY_COLUMN)))
    checked = 0
    for (kind, day, file), part in rows.group_by("file_kind", "delivery_date", "file"):
        path = runs[0] / "landing" / part["feed"][0] / day.isoformat() / file
        keys = _keys_as_written(path, KEY_COLUMN[kind])
        for r in part.iter_rows(named=True):
            assert keys[r["row_number"] - 1] == r["key"], (file, r["row_number"], r["defect"])
            checked += 1
    assert checked > 100

    # and the cross-checks still find exactly the planted cases
    found, want = findings(runs[0] / "landing"), planted(runs[0] / "gt")
    assert found == want
