"""The ground-truth manifest: shape per DESIGN.md, file/model cases verifiable in the files."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from generator.api import generate
from tests.generator.test_feeds import record_texts

START = date(2026, 10, 1)
DAYS = 6


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("gen-manifest")
    result = generate(
        root / "landing", root / "gt", scale="tiny", seed=3, start=START, days=DAYS, dirt=2.0
    )
    return root / "landing", root / "gt", result


def manifest(gt: Path) -> pl.DataFrame:
    return pl.read_parquet(gt / "manifest.parquet")


def scjg_rows(landing: Path) -> list[dict[str, str]]:
    out = []
    for path in sorted(landing.glob("entities/*/scjg_frxx_*.csv")):
        out += list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    return out


def test_manifest_columns_and_types_follow_design(run: tuple) -> None:
    _, gt, result = run
    m = manifest(gt)
    assert m.schema == pl.Schema(
        {
            "defect": pl.String,
            "level": pl.String,
            "feed": pl.String,
            "file_kind": pl.String,
            "delivery_date": pl.Date,
            "file": pl.String,
            "row_number": pl.Int64,
            "column": pl.String,
            "key": pl.String,
            "detail": pl.String,
        }
    )
    assert set(m["level"]) == {"row", "file", "model"}
    assert m.filter(pl.col("level") == "row")["row_number"].null_count() == 0
    assert (
        m.filter(pl.col("level") != "row")["row_number"].null_count()
        == m.filter(pl.col("level") != "row").height
    )
    assert m.height == result.defects
    copy = pl.read_csv(gt / "manifest.csv", schema=m.schema)
    assert copy.equals(m)


def test_summary_counts_rows_per_file_as_written(run: tuple) -> None:
    landing, gt, result = run
    summary = json.loads((gt / "summary.json").read_text("utf-8"))
    assert (summary["scale"], summary["seed"], summary["days"]) == ("tiny", 3, DAYS)
    assert summary["rows"] == result.rows and len(summary["files"]) == result.files
    for f in summary["files"]:
        path = landing / f["feed"] / f["delivery_date"] / f["file"]
        if path.suffix == ".jsonl":
            n = len(path.read_text("utf-8").splitlines())
        elif path.suffix == ".parquet":
            n = pl.read_parquet(path).height
        elif path.suffix == ".xlsx":
            n = pl.read_excel(path, sheet_name="社会组织", infer_schema_length=0).height
        else:
            enc = {"ga_rkxx": "gbk", "ggss": "gb18030"}.get(f["file_kind"], "utf-8-sig")
            n = len(record_texts(path.read_bytes().decode(enc), f["file_kind"])) - 1
        assert n == f["rows"], path


def test_row_numbers_are_inside_their_files(run: tuple) -> None:
    _, gt, _ = run
    summary = json.loads((gt / "summary.json").read_text("utf-8"))
    sizes = {(f["delivery_date"], f["file"]): f["rows"] for f in summary["files"]}
    rows = manifest(gt).filter(pl.col("level") == "row")
    for r in rows.iter_rows(named=True):
        assert 1 <= r["row_number"] <= sizes[(r["delivery_date"].isoformat(), r["file"])]


def test_redeliveries_are_what_the_manifest_says(run: tuple) -> None:
    landing, gt, _ = run
    files = manifest(gt).filter(pl.col("level") == "file")
    identical = files.filter(pl.col("defect") == "identical_redelivery")
    corrected = files.filter(pl.col("defect") == "corrected_redelivery")
    assert identical.height >= 1 and set(corrected["file_kind"]) >= {"zlba", "jfmx"}
    for r in pl.concat([identical, corrected]).iter_rows(named=True):
        copies = sorted(landing.glob(f"{r['feed']}/*/{r['file']}"))
        assert len(copies) == 2
        same = copies[0].read_bytes() == copies[1].read_bytes()
        assert same == (r["defect"] == "identical_redelivery"), r["file"]
        assert copies[1].parent.name == r["delivery_date"].isoformat()
    gbk = files.filter(pl.col("defect") == "gbk_encoding")
    assert gbk.height == DAYS


def test_cross_check_cases_are_in_the_data(run: tuple) -> None:
    landing, gt, _ = run
    m = manifest(gt).filter(pl.col("level") == "model")
    scjg = scjg_rows(landing)
    reps = {r["法定代表人证件号码"] for r in scjg if r["登记状态"] in ("存续", "在业")}
    for key in m.filter(pl.col("defect") == "xc_assistance_legal_rep")["key"]:
        assert key in reps
    # assistance recipients appear in the assistance payments
    paid = set()
    for path in landing.glob("social_security/*/jzff_*.csv"):
        paid |= {r["id_number"] for r in csv.DictReader(io.StringIO(path.read_text("utf-8")))}
    for key in m.filter(
        pl.col("defect").is_in(["xc_assistance_legal_rep", "xc_assistance_high_base"])
    )["key"]:
        assert key in paid
    high = pl.concat([pl.read_parquet(p) for p in landing.glob("social_security/*/jfmx_*")])
    for key in m.filter(pl.col("defect") == "xc_assistance_high_base")["key"]:
        assert high.filter(pl.col("id_number") == key)["base_yuan"].min() >= 15000
    # insured ghosts: in cbry, nowhere in the population feed
    population_text = "".join(
        p.read_bytes().decode("gbk" if p.suffix == ".csv" else "utf-8")
        for p in landing.glob("population/*/*")
        if p.name != "_SUCCESS"
    )
    cbry_text = "".join(p.read_text("utf-8") for p in landing.glob("social_security/*/cbry_*"))
    ghosts = m.filter(pl.col("defect") == "xc_insured_no_residence")["key"]
    assert ghosts.len() >= 1
    for key in ghosts:
        assert key in cbry_text and key not in population_text
    # premises without a building; the ~200-company room; over-capacity buildings
    buildings = set()
    for path in landing.glob("housing/*/ld_*.csv"):
        buildings |= {
            r["building_code"].strip() for r in csv.DictReader(io.StringIO(path.read_text("utf-8")))
        }
    premises = {r["统一社会信用代码"]: r["经营场所房屋编码"] for r in scjg}
    for key in m.filter(pl.col("defect") == "xc_entity_no_building")["key"]:
        assert premises[key][:17] not in buildings
    shared = m.filter(pl.col("defect") == "shared_room_entities")
    room = shared["key"][0]
    planted = int(shared["detail"][0].split()[0])  # 200, capped by tiny's pool of entities
    assert planted >= 50
    assert sum(1 for v in premises.values() if v == room) >= planted
    rooms = pl.read_parquet(next(landing.glob("housing/*/fw_*.parquet")))
    for key in m.filter(pl.col("defect") == "xc_building_over_capacity")["key"]:
        n_rooms = rooms.filter(pl.col("building_code") == key).height
        n_ent = sum(1 for v in premises.values() if v[:17] == key)
        assert n_ent > n_rooms


def test_model_cases_of_the_population_and_events_channels(run: tuple) -> None:
    landing, gt, _ = run
    m = manifest(gt).filter(pl.col("level") == "model")
    kinds = set(m["defect"])
    assert {
        "name_conflict",
        "phone_conflict",
        "residence_conflict",
        "cross_channel_duplicate",
        "upstream_delete",
        "event_late_state",
        "event_out_of_order",
        "event_closed_before_reported",
        "event_closed_equals_update",
        "duplicate_incident",
    } <= kinds
    grid = [
        json.loads(x)
        for p in landing.glob("population/*/grid_rkcj_*.jsonl")
        for x in p.read_text("utf-8").splitlines()
    ]
    channels: dict[str, set[str]] = {}
    for g in grid:
        channels.setdefault(g["id_number"], set()).add(g["channel"])
    for key in m.filter(pl.col("defect") == "cross_channel_duplicate")["key"]:
        assert channels[key] == {"grid", "self"}
    events = [
        json.loads(x)
        for p in landing.glob("events/*/sjlz_*.jsonl")
        for x in p.read_text("utf-8").splitlines()
    ]
    by_event: dict[str, dict[str, str]] = {}
    for e in events:
        by_event.setdefault(e["event_id"], {})[e["state"]] = e["at"]
    for key in m.filter(pl.col("defect") == "event_closed_before_reported")["key"]:
        states = by_event.get(key, {})
        if "closed" in states and "reported" in states:
            assert states["closed"] < states["reported"]
    by_seq = {(e["event_id"], e["seq"]): e for e in events}
    checked = 0
    for key in m.filter(pl.col("defect") == "event_closed_equals_update")["key"]:
        closed = [e for e in events if e["event_id"] == key and e["state"] == "closed"]
        for c in closed:
            prev = by_seq.get((key, c["seq"] - 1))
            if prev is not None:
                assert c["at"] == prev["at"], (key, c, prev)
                checked += 1
    assert checked
    merged = [e for e in events if e["state"] == "merged"]
    dups = set(m.filter(pl.col("defect") == "duplicate_incident")["key"])
    assert merged and all(e["event_id"] in dups and e["merged_into"] for e in merged)


def test_every_planted_duplicate_names_its_original(run: tuple) -> None:
    """The manifest pairs each duplicate incident with its true original: same grid and
    category group, reported 1-10 minutes later, tens of metres away (what the duplicate
    rule of fct_event_duplicates is judged against, tests/dbt/test_event_duplicates.py)."""
    landing, gt, _ = run
    dups = manifest(gt).filter(pl.col("defect") == "duplicate_incident")
    assert dups.height >= 5
    reported = {
        e["event_id"]: e
        for p in landing.glob("events/*/sjlz_*.jsonl")
        for x in p.read_text("utf-8").splitlines()
        if (e := json.loads(x))["state"] == "reported"
    }
    judged = 0
    for key, detail in dups.select("key", "detail").iter_rows():
        assert detail.startswith("same incident as SJ"), detail
        original = detail.rsplit(" ", 1)[1]
        assert original != key and original not in set(dups["key"])
        if key not in reported or original not in reported:
            continue  # a state line on a day that was not delivered
        d, o = reported[key], reported[original]
        assert d["grid_code"] == o["grid_code"]
        assert d["category_code"][:2] == o["category_code"][:2]
        minutes = (datetime.fromisoformat(d["at"]) - datetime.fromisoformat(o["at"])).seconds / 60
        assert 1 <= minutes <= 10, (key, minutes)
        lat = math.radians((float(d["lat"]) + float(o["lat"])) / 2)
        dx = math.radians(float(d["lon"]) - float(o["lon"])) * math.cos(lat)
        dy = math.radians(float(d["lat"]) - float(o["lat"]))
        assert 6371008.8 * math.hypot(dx, dy) < 100, key
        judged += 1
    assert judged >= 5


def test_identity_variants_carry_their_true_identity(run: tuple) -> None:
    """entity_variant: the delivered employer code is a variant of its true USCC (same
    first 17 characters, or the organisation code inside it) and is in a cbry file;
    building_variant: the event names no building on any line, and its position is
    within metres of its true building (docs/GOLDEN_RECORDS.md)."""
    landing, gt, _ = run
    m = manifest(gt).filter(pl.col("level") == "model")
    ents = m.filter(pl.col("defect") == "entity_variant")
    assert ents.height >= 5
    cbry = "".join(p.read_text("utf-8") for p in landing.glob("social_security/*/cbry_*"))
    for key, detail in ents.select("key", "detail").iter_rows():
        truth = detail.removeprefix("true ")
        # (validity is the ingest's GB 32100 check, docs/IDENTIFIERS.md; stdnum differs)
        assert key != truth and len(truth) == 18 and key in cbry
        assert key[:17] == truth[:17] if len(key) == 18 else key == truth[8:17]
    blds = m.filter(pl.col("defect") == "building_variant")
    assert blds.height >= 5
    lines = pl.concat(
        [pl.read_ndjson(p, infer_schema_length=None) for p in landing.glob("events/*/sjlz_*")],
        how="diagonal_relaxed",
    )
    ld = pl.concat([pl.read_csv(p, infer_schema=False) for p in landing.glob("housing/*/ld_*")])
    where = dict(
        zip(
            ld["building_code"].str.strip_chars(),
            zip(ld["lon"].cast(pl.Float64), ld["lat"].cast(pl.Float64), strict=True),
            strict=True,
        )
    )
    for key, detail in blds.select("key", "detail").iter_rows():
        event = lines.filter(pl.col("event_id") == key)
        assert event.height >= 1, key
        assert event["building_code"].null_count() == event.height, key
        lon, lat = where[detail.removeprefix("true ")]
        dx = (event["lon"][0] - lon) * 111_320 * math.cos(math.radians(lat))
        dy = (event["lat"][0] - lat) * 110_574
        assert math.hypot(dx, dy) < 20, (key, detail)
