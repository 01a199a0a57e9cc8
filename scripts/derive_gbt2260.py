"""Write seeds/reference/gbt2260_codes.csv: every GB/T 2260 address code since 1980.

Source data: the tables of Chinese Wikipedia's 中华人民共和国行政区划代码 (1区-8区)
(CC BY-SA 4.0), which list every code the standard has assigned since 1980 with the
years it was in use, as python-stdnum 2.x ships them in ``stdnum/cn/loc.dat``
(its update script downloads those pages). This script only re-shapes that data
file into a CSV (one row per code and period of use); see docs/IDENTIFIERS.md.

    uv run python scripts/derive_gbt2260.py
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import stdnum

OUT = Path(__file__).resolve().parents[1] / "seeds" / "reference" / "gbt2260_codes.csv"
FIRST_YEAR = 1980  # the first edition of GB/T 2260; an open start means "since then"
PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


def main() -> None:
    source = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    rows: list[tuple[str, str, str, int, int | None]] = []
    province = prefix = ""
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.strip().partition(" ")
        name = value.split("=", 1)[1].strip('"') if "=" in value else ""
        if not line.startswith(" "):
            prefix, province = key, name
            continue
        for part in name.split(","):
            m = PERIOD.match(part)
            start, end, label = (m.group(1), m.group(2), m.group(3)) if m else ("", "", part)
            rows.append(
                (prefix + key, label, province, int(start or FIRST_YEAR), int(end) if end else None)
            )
    rows.sort(key=lambda r: (r[0], r[3]))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["code6", "name", "province", "valid_from", "valid_to"])
        out.writerows(rows)
    print(f"{len(rows)} periods of {len({r[0] for r in rows})} codes -> {OUT}")


if __name__ == "__main__":
    main()
