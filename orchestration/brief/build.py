"""Render the brief: matplotlib charts, one self-contained HTML page and a PDF per area.

HTML embeds its charts (base64 PNG) so the file can be mailed as is; the PDF
uses fpdf2 (pure Python, no system libraries). Chinese names need a CJK font:
a system one if installed (``CJK_FONTS``), else Noto Sans CJK SC as shipped in
the ``mplfonts`` wheel (a dependency of ``envs/airflow``, so no apt package is
needed); with neither, the brief stops with a clear error saying what to install.
Latin text uses DejaVu Sans, from the system or as bundled with matplotlib.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.brief.data import BriefData, Section, read_brief_data

log = logging.getLogger(__name__)

SYSTEM_LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# Noto Sans CJK SC (SIL OFL) inside the mplfonts wheel: found by path, the
# package itself is never imported (its import touches matplotlib's config).
PIP_CJK_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


class MissingFontError(RuntimeError):
    """No font with Chinese glyphs: the brief would print empty boxes for every name."""


@dataclass
class BriefFiles:
    area: str
    html: Path
    pdf: Path


def _package_file(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def cjk_font() -> Path:
    """A font with Chinese glyphs: a system one, else the one shipped in the mplfonts wheel."""
    found = next((p for p in CJK_FONTS if p.exists()), None) or _package_file(*PIP_CJK_FONT)
    if found is None:
        raise MissingFontError(
            "the weekly brief needs a font with Chinese glyphs and found none: install the "
            "Airflow environment (`uv sync --frozen --project envs/airflow`, which brings the "
            "`mplfonts` wheel with Noto Sans CJK SC), or `pip install mplfonts==0.0.11` into "
            "the environment that builds the brief, or the system package "
            "`apt-get install fonts-noto-cjk` (or fonts-droid-fallback)"
        )
    return found


def latin_font() -> Path | None:
    """DejaVu Sans: the system copy, else the one bundled with matplotlib."""
    if SYSTEM_LATIN_FONT.exists():
        return SYSTEM_LATIN_FONT
    return _package_file("matplotlib", "mpl-data/fonts/ttf/DejaVuSans.ttf")


def _chart(section: Section, font: Path) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    # Latin glyphs from DejaVu, Chinese from the CJK font (matplotlib falls back per glyph).
    font_manager.fontManager.addfont(str(font))
    cjk = font_manager.FontProperties(fname=str(font)).get_name()
    plt.rcParams["font.family"] = ["DejaVu Sans", cjk]
    frame = section.frame
    assert frame is not None and section.label is not None
    labels = [str(v) for v in frame[section.label].to_list()]
    value = section.values[0]
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(labels) + 1.2), dpi=110)
    ax.barh(labels[::-1], frame[value].fill_null(0).to_list()[::-1], color="#3b6ea5")
    ax.set_xlabel(value)
    ax.set_title(section.title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _html(title: str, subtitle: str, sections: list[Section], charts: dict[str, bytes]) -> str:
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
        ".note{color:#888}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>",
    ]
    for s in sections:
        parts.append(f"<h2>{html.escape(s.title)}</h2><p><em>{html.escape(s.question)}</em></p>")
        if not s.available:
            parts.append(f"<p class='note'>Not available: {html.escape(s.note or 'no rows')}</p>")
            continue
        if s.title in charts:
            b64 = base64.b64encode(charts[s.title]).decode()
            parts.append(f"<img alt='{html.escape(s.title)}' src='data:image/png;base64,{b64}'>")
        assert s.frame is not None
        head = "".join(f"<th>{html.escape(c)}</th>" for c in s.frame.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
            for row in s.frame.iter_rows()
        )
        parts.append(
            f"<table><tr>{head}</tr>{rows}</table><p class='note'>source: marts.{s.table}</p>"
        )
        if s.note:
            parts.append(f"<p class='note'>{html.escape(s.note)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    # a figure withheld by disclosure control (or absent): the section's note says which
    return "—" if value is None else str(value)


def _pdf(path: Path, title: str, subtitle: str, sections: list[Section], charts: dict[str, bytes],
         font: Path) -> None:  # fmt: skip
    from fpdf import FPDF, FontFace

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font))
    family = "cjk"
    latin = latin_font()
    if latin is not None:
        # CJK fallback fonts often lack Latin glyphs: Latin text first, CJK as fallback.
        pdf.add_font("latin", fname=str(latin))
        pdf.set_fallback_fonts(["cjk"])
        family = "latin"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def text(size: int, body: str) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(0, size * 0.5, body, new_x="LMARGIN", new_y="NEXT")

    text(16, title)
    text(10, subtitle)
    for s in sections:
        pdf.ln(3)
        text(13, s.title)
        text(9, s.question)
        if not s.available:
            text(9, f"Not available: {s.note or 'no rows'}")
            continue
        if s.title in charts:
            pdf.image(io.BytesIO(charts[s.title]), w=170)
        assert s.frame is not None
        pdf.set_font(family, size=7)
        with pdf.table(text_align="LEFT", headings_style=FontFace(emphasis="")) as table:
            table.row(s.frame.columns)
            for row in s.frame.iter_rows():
                table.row([_fmt(v) for v in row])
        if s.note:
            text(8, s.note)
    pdf.output(str(path))


def build_briefs(
    serving: Path, out_dir: Path, week_end: date, threshold: int = 5
) -> list[BriefFiles]:
    """One brief for the district and one per street, as HTML and PDF, under ``out_dir``.

    ``threshold``: counts of fewer persons are withheld (Settings.disclosure_threshold).
    """
    font = cjk_font()  # before any work: a missing font is an install problem
    if not serving.exists():
        raise FileNotFoundError(
            f"no serving copy at {serving}: the transform has not published the marts yet "
            "(run transform_marts, or `zhiwang run`)"
        )
    data: BriefData = read_brief_data(serving, week_end, threshold)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = dict(data.streets)
    subtitle = f"{data.period(week_end)} · serving copy published {data.published_at}"
    results = []
    for street, sections in data.sections_by_street.items():
        area = "district" if street is None else street
        label = (
            "Bao'an district 宝安区"
            if street is None
            else f"{names.get(street, street)} ({street})"
        )
        title = f"zhiwang weekly brief — {label}"
        charts = {s.title: _chart(s, font) for s in sections if s.available}
        html_path = out_dir / f"brief_{area}.html"
        pdf_path = out_dir / f"brief_{area}.pdf"
        html_path.write_text(_html(title, subtitle, sections, charts), encoding="utf-8")
        _pdf(pdf_path, title, subtitle, sections, charts, font)
        results.append(BriefFiles(area=area, html=html_path, pdf=pdf_path))
    log.info("wrote %d briefs to %s", len(results), out_dir)
    return results
