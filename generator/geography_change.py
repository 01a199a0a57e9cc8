"""A planted geography change (docs/GEOGRAPHY.md): one community split and one grid redrawn.

On ``effective`` the community with the most grids gives the second half of
its grids (by code) to a new community of the same street (the first free
NBS segment from 190 on: a code no reference list holds, created by the
change); those grids are recoded into it. One remaining grid of the
community is redrawn: its buildings east of the grid's median longitude form
a new grid (the community's next sequence). The district data office
registers the change as civil affairs (民政) announced it: a register file
``events/<effective>/qhtz_<yyyymmdd>.csv`` (ingest/feeds/events.yaml), with
the share of the predecessor's residents each successor takes.

From ``effective`` on the grid centre's event lines carry the new codes,
except a few delivered late with the old ones (the world as it is: at least one a day). Building
and room codes are identifiers and keep their digits. Everything is recorded
in the manifest (defect ``geography_change``, level ``model``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import polars as pl

from generator.feeds._common import FeedContext, stamp, write_csv
from generator.geo import load_divisions
from generator.world import REFERENCE_DIR

FEED = "events"
KIND = "qhtz"
# share of event lines on a changed grid after the change still delivered with the old code
LATE_OLD_CODE_RATE = 0.05
HEADER = {
    "change_id": "变更编号",
    "unit_level": "层级",
    "predecessor_code": "原代码",
    "successor_code": "新代码",
    "successor_name": "新名称",
    "effective_date": "生效日期",
    "population_share": "人口占比",
    "area_share": "面积占比",
    "basis": "依据",
    "updated_at": "更新时间",
}


@dataclass(frozen=True)
class GeographyChange:
    effective: date
    community: str  # the community that is split (it keeps its code)
    new_community: str
    new_community_name: str
    recoded: dict[str, str]  # old grid code -> new grid code (into the new community)
    redrawn: str  # the grid that is redrawn (keeps its code)
    redrawn_new: str  # the grid cut off it
    redrawn_buildings: frozenset[str]  # the buildings that move to redrawn_new
    register: pl.DataFrame  # the register lines as the data office writes them

    def new_grid_code(self, grid_code: str, building_code: str | None) -> str:
        """The grid code from the change on (the given one when unchanged)."""
        if grid_code in self.recoded:
            return self.recoded[grid_code]
        if grid_code == self.redrawn and building_code in self.redrawn_buildings:
            return self.redrawn_new
        return grid_code


def _share(part: int, whole: int, fallback: float) -> float:
    return round(part / whole, 4) if whole else fallback


def plan_change(ctx: FeedContext, effective: date) -> GeographyChange:
    w = ctx.world
    grids = w.grids.group_by("community_code12").agg(
        pl.col("grid_code").sort(), n=pl.len(), area=pl.col("area_km2").sum()
    )
    pick = grids.filter(pl.col("n") >= 4).sort(["n", "community_code12"], descending=[True, False])
    if pick.height == 0:
        raise ValueError("no community with 4 grids or more to split; use a larger scale")
    community, codes = pick["community_code12"][0], pick["grid_code"][0].to_list()
    moved, kept = codes[len(codes) // 2 :], codes[: len(codes) // 2]
    taken = set(load_divisions(REFERENCE_DIR)["code12"].to_list())
    street9 = community[:9]
    new_community = next(
        f"{street9}{seg:03d}" for seg in range(190, 999) if f"{street9}{seg:03d}" not in taken
    )
    name = w.communities.filter(pl.col("community_code12") == community)["community_name"][0]
    new_name = name.replace("社区居委会", "").replace("社区村委会", "") + "新社区"
    recoded = {old: f"{new_community}{i:03d}" for i, old in enumerate(moved, start=1)}
    redrawn = kept[0]
    redrawn_new = f"{community}{max(int(c[12:]) for c in codes) + 1:03d}"
    in_grid = w.buildings.filter(pl.col("grid_code") == redrawn)
    median = float(np.median(in_grid["lon"].to_numpy())) if in_grid.height else 0.0
    east = set(in_grid.filter(pl.col("lon") > median)["building_code"].to_list())

    persons = w.persons.select("grid_code", "room_code")
    in_comm = persons.filter(pl.col("grid_code").str.starts_with(community)).height
    in_moved = persons.filter(pl.col("grid_code").is_in(moved)).height
    s = min(max(_share(in_moved, in_comm, 0.5), 0.01), 0.99)
    redrawn_people = persons.filter(pl.col("grid_code") == redrawn)
    east_people = redrawn_people.filter(
        pl.col("room_code").str.slice(0, 17).is_in(list(east))
    ).height
    r = min(max(_share(east_people, redrawn_people.height, 0.5), 0.01), 0.99)
    moved_area = float(w.grids.filter(pl.col("grid_code").is_in(moved))["area_km2"].sum()) / float(
        pick["area"][0]
    )

    basis = f"宝民政〔{effective.year}〕1号"
    at = datetime.combine(effective, time(9, 0)).isoformat(sep=" ")
    year = effective.year
    lines = [
        (f"QH{year}-01", "社区", community, community, None, 1 - s, 1 - moved_area),
        (f"QH{year}-01", "社区", community, new_community, new_name, s, moved_area),
        *[(f"QH{year}-01", "网格", old, new, None, 1.0, 1.0) for old, new in recoded.items()],
        (f"QH{year}-02", "网格", redrawn, redrawn, None, 1 - r, 0.5),
        (f"QH{year}-02", "网格", redrawn, redrawn_new, None, r, 0.5),
    ]
    register = pl.DataFrame(
        [
            {
                "change_id": c,
                "unit_level": lvl,
                "predecessor_code": old,
                "successor_code": new,
                "successor_name": nm,
                "effective_date": effective.isoformat(),
                "population_share": f"{share:.4f}",
                "area_share": f"{area:.4f}",
                "basis": basis,
                "updated_at": at,
            }
            for c, lvl, old, new, nm, share, area in lines
        ],
        schema=dict.fromkeys(HEADER, pl.String),
    )
    return GeographyChange(
        effective=effective,
        community=community,
        new_community=new_community,
        new_community_name=new_name,
        recoded=recoded,
        redrawn=redrawn,
        redrawn_new=redrawn_new,
        redrawn_buildings=frozenset(east),
        register=register,
    )


def write_register(ctx: FeedContext, change: GeographyChange) -> None:
    """The data office's register file, delivered with the events on the effective day."""
    name = f"{KIND}_{stamp(change.effective)}.csv"
    path = ctx.folder(FEED, change.effective) / name
    write_csv(change.register.rename(HEADER), path, encoding="utf-8")
    ctx.record(FEED, KIND, change.effective, name, change.register.height)
    ctx.manifest.add(
        "geography_change",
        "model",
        FEED,
        file_kind=KIND,
        delivery_date=change.effective,
        file=name,
        keys=change.register["predecessor_code"],
        column="successor_code",
        detail=pl.Series(
            [
                f"{row['change_id']} {row['unit_level']} -> {row['successor_code']} "
                f"share {row['population_share']} from {row['effective_date']}"
                for row in change.register.iter_rows(named=True)
            ]
        ),
    )


def recode_lines(
    ctx: FeedContext, change: GeographyChange, day: date, lines: pl.DataFrame
) -> pl.DataFrame:
    """Event lines of delivery ``day`` with the codes in force (new ones from the change on,
    a few late ones still old)."""
    if day < change.effective or lines.height == 0:
        return lines
    rng = ctx.rng(FEED, "geography-change", day)
    new = [
        change.new_grid_code(g, b) if g is not None else None
        for g, b in zip(lines["grid_code"].to_list(), lines["building_code"].to_list(), strict=True)
    ]
    old = lines["grid_code"].to_list()
    changed = np.array([o != n for o, n in zip(old, new, strict=True)], dtype=bool)
    late = (rng.random(lines.height) < LATE_OLD_CODE_RATE) & changed
    if changed.any() and not late.any():
        late[np.flatnonzero(changed)[0]] = True  # at least one late line a day
    kept = [o if keep else n for o, n, keep in zip(old, new, late, strict=True)]
    events = lines["event_id"].to_list()
    late_keys = sorted(
        {e for e, o, n, keep in zip(events, old, new, late, strict=True) if keep and o != n}
    )
    ctx.manifest.add(
        "old_code_after_change",
        "model",
        FEED,
        file_kind="sjlz",
        delivery_date=day,
        keys=late_keys,
        column="grid_code",
        detail=f"delivered after {change.effective.isoformat()} with the retired grid code",
    )
    return lines.with_columns(pl.Series("grid_code", kept, dtype=pl.String))


def recode_codes(
    ctx: FeedContext,
    change: GeographyChange | None,
    day: date,
    rows: pl.DataFrame,
    *,
    feed: str,
    kind: str,
    key: str,
    grid: str | None = None,
    community: str | None = None,
    building: pl.Expr | None = None,
    part: int = 0,
) -> pl.DataFrame:
    """Rows of another feed delivered on ``day`` with the grid and/or community codes in
    force, like ``recode_lines`` for the events: from the change on a row whose grid was
    recoded or redrawn carries the new grid code and, when its grid moved into the new
    community, the new community code; a few rows (≈5%, at least one per file part with
    two changed rows or more) are
    delivered late with the old codes, recorded in the manifest (``old_code_after_change``,
    keys from column ``key``). ``building`` gives each row's building code (it decides the
    redrawn grid, and the grid of a row that carries only a community code); ``part``
    numbers the parts of a file written in chunks. Building and room codes never change."""
    if change is None or day < change.effective or rows.height == 0:
        return rows
    buildings = (
        rows.select(building.alias("b"))["b"].to_list()
        if building is not None
        else [None] * rows.height
    )
    if grid is not None:
        grids = rows[grid].to_list()
    else:
        where = dict(
            zip(
                ctx.world.buildings["building_code"].to_list(),
                ctx.world.buildings["grid_code"].to_list(),
                strict=True,
            )
        )
        grids = [where.get(b) for b in buildings]
    new_grids = [
        change.new_grid_code(g, b) if g is not None else None
        for g, b in zip(grids, buildings, strict=True)
    ]
    moved = [n is not None and n.startswith(change.new_community) for n in new_grids]
    columns: dict[str, tuple[list, list]] = {}
    if grid is not None:
        columns[grid] = (grids, new_grids)
    if community is not None:
        old_c = rows[community].to_list()
        columns[community] = (
            old_c,
            [
                change.new_community if m and c == change.community else c
                for c, m in zip(old_c, moved, strict=True)
            ],
        )
    changed = np.zeros(rows.height, dtype=bool)
    for old, new in columns.values():
        changed |= np.array([o != n for o, n in zip(old, new, strict=True)], dtype=bool)
    if not changed.any():
        return rows
    rng = ctx.rng(feed, kind, "geography-change", day, part)
    late = (rng.random(rows.height) < LATE_OLD_CODE_RATE) & changed
    if changed.sum() >= 2 and not late.any():
        late[np.flatnonzero(changed)[0]] = True  # a late row in every part that can spare one
    ctx.manifest.add(
        "old_code_after_change",
        "model",
        feed,
        file_kind=kind,
        delivery_date=day,
        keys=sorted(set(rows.filter(pl.Series(late))[key].cast(pl.String).to_list())),
        column=grid or community,
        detail=f"delivered after {change.effective.isoformat()} with the retired code(s)",
    )
    return rows.with_columns(
        pl.Series(
            name,
            [o if keep else n for o, n, keep in zip(old, new, late, strict=True)],
            dtype=pl.String,
        )
        for name, (old, new) in columns.items()
    )
