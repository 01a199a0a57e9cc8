"""Render the brief: matplotlib charts, one self-contained HTML page and a PDF per area.

One layout for both formats: the Jinja2 template ``templates/brief_body.html.j2``.
The HTML page wraps it (``brief.html.j2``) and embeds its charts (base64 PNG) so
the file can be mailed as is; the PDF is the same body rendered by fpdf2's HTML
renderer (pure Python, no system libraries). Chinese names need a CJK font:
a system one if installed (``CJK_FONTS``), else Noto Sans CJK SC as shipped in
the ``mplfonts`` wheel (a dependency of ``envs/airflow``, so no apt package is
needed); with neither, the brief stops with a clear error saying what to install.
Latin text uses DejaVu Sans, from the system or as bundled with matplotlib.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

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


TEMPLATES = Path(__file__).parent / "templates"
# PDF layout on A4 (mm): charts and tables fill the text width, text in these sizes (pt)
PDF_IMAGE_WIDTH_PX = "482"  # fpdf2 reads <img width> in px at 72 dpi: 170 mm
PDF_SIZES = {"h1": 16, "h2": 13, "p": 9}
PDF_TABLE_SIZE = 7


def _templates() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["b64"] = lambda data: base64.b64encode(data).decode()
    return env


def _render(template: str, title: str, subtitle: str, sections: list[Section],
            charts: dict[str, bytes], **layout: str) -> str:  # fmt: skip
    context = {"image_width": None, "table_width": None, **layout}
    return (
        _templates()
        .get_template(template)
        .render(title=title, subtitle=subtitle, sections=sections, charts=charts, **context)
    )


def _html(title: str, subtitle: str, sections: list[Section], charts: dict[str, bytes]) -> str:
    """The HTML page: ``templates/brief.html.j2`` around the shared body."""
    return _render("brief.html.j2", title, subtitle, sections, charts)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    # a figure withheld by disclosure control (or absent): the section's note says which
    return "—" if value is None else str(value)


def _pdf(path: Path, title: str, subtitle: str, sections: list[Section], charts: dict[str, bytes],
         font: Path) -> None:  # fmt: skip
    """The PDF from the same body template as the HTML page (fpdf2 renders its HTML)."""
    from fpdf import FPDF, FontFace, TextStyle

    pdf = FPDF(format="A4")
    family = "cjk"
    latin = latin_font()
    # <th> asks for bold (<em> is set upright below): the regular face serves for it.
    for style in ("", "B"):
        pdf.add_font("cjk", style=style, fname=str(font))
        if latin is not None:
            pdf.add_font("latin", style=style, fname=str(latin))
    if latin is not None:
        # CJK fallback fonts often lack Latin glyphs: Latin text first, CJK as fallback.
        pdf.set_fallback_fonts(["cjk"])
        family = "latin"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(family, size=PDF_TABLE_SIZE)  # tables take the current size
    body = _render("brief_body.html.j2", title, subtitle, sections, charts,
                   image_width=PDF_IMAGE_WIDTH_PX, table_width="100%")  # fmt: skip
    styles: dict[str, Any] = {
        tag: TextStyle(font_family=family, font_size_pt=size, font_style="", t_margin=2, b_margin=1)
        for tag, size in PDF_SIZES.items()
    }
    styles["em"] = FontFace(emphasis="")  # upright: the CJK font has no italic face
    pdf.write_html(body, font_family=family, tag_styles=styles)
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
