"""Figures leaving the dashboard: PNG/SVG images (kaleido, one warm browser), their data as CSV/XLSX in French,
file names that say what they hold, and the chart data a native PowerPoint chart is built from."""
from __future__ import annotations

import html
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from cmq.core import cycle, fmt, schema, vocabulary
from cmq.core.filters import Filters
from cmq.outputs.xlsx import workbook_bytes

# 16:9; images are rendered at least 1920 × 1080 pixels (a projector's full HD)
HEIGHT, PIXEL_HEIGHT = 720, 1080

MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


class ExportError(Exception):
    """An export that could not be produced, with a French message."""


# ---------------------------------------------------------------- tables



def french(df: pd.DataFrame) -> pd.DataFrame:
    """A query's rows for people: French headers, codes as labels, oui/non, import moments in French.
    Numbers stay numbers (CSV and Excel write them the French way)."""
    out = df.copy()
    for col in out.columns:
        if col == "committed_at" or col == "reverted_at":
            out[col] = out[col].map(lambda t: "" if fmt.missing(t) else fmt.moment(t))
        elif col in vocabulary.CODES:
            out[col] = out[col].map(lambda v, m=vocabulary.CODES[col]: "" if fmt.missing(v) else m.get(v, v))
        elif out[col].dtype == bool or col in vocabulary.YES_NO:
            out[col] = out[col].map(lambda v: "" if fmt.missing(v) else ("oui" if v else "non"))
    return out.rename(columns=schema.column_label)


neutralise = fmt.neutralise


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV for French Excel: `;`, decimal comma, dates dd/mm/yyyy, UTF-8 with BOM; formulas neutralised."""
    return _safe(df).to_csv(sep=";", decimal=",", index=False, date_format="%d/%m/%Y",
                            lineterminator="\r\n").encode("utf-8-sig")


@dataclass
class Sheet:
    """One worksheet: a name (≤ 31 characters), heading lines above the table, the table."""

    name: str
    heading: list[str]
    table: pd.DataFrame
    percent: tuple[str, ...] = ()  # columns of shares (0.5): numbers shown as « 50 % »
    frozen_columns: int = 0  # columns kept in view when scrolling right (the header row always is)


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel-legal, unique sheet name (no []:*?/\\, at most 31 characters)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Feuille"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


# French headers of year columns: 2018, never 2 018
YEARS = {schema.column_label(c) for c in ("year", "labelled_year", "baseline_year")} | {"Dernière année renseignée"}


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A workbook, one sheet per table, French number formats, user text never run as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.name)
        for i, line in enumerate(s.heading, start=1):
            ws.cell(row=i, column=1, value=neutralise(line)).font = Font(bold=(i == 1), size=13 if i == 1 else 10)
        top = len(s.heading) + (2 if s.heading else 1)
        table = _safe(s.table)
        for j, col in enumerate(table.columns, start=1):
            ws.cell(row=top, column=j, value=str(col)).font = Font(bold=True)
            width = len(str(col))
            for i, v in enumerate(table[col].tolist(), start=top + 1):
                cell = ws.cell(row=i, column=j, value=_cell(v))
                if col in s.percent and isinstance(cell.value, (int, float)):
                    cell.number_format = "0%"
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.##"
                elif isinstance(cell.value, int):
                    cell.number_format = "0" if str(col) in YEARS else "#,##0"
                elif isinstance(cell.value, (date, datetime)):
                    cell.number_format = "DD/MM/YYYY"
                width = max(width, min(len(str(v)), 60))
            ws.column_dimensions[get_column_letter(j)].width = width + 2
        if len(table.columns):
            ws.freeze_panes = ws.cell(row=top + 1, column=1 + s.frozen_columns)
    return workbook_bytes(wb)


def _cell(v):
    if fmt.missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


# ---------------------------------------------------------------- file names

def slug(text: str) -> str:
    """ASCII letters, digits and dashes: « Région Bourgogne » → Region-Bourgogne."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def describe(f: Filters) -> str:
    """Filters in words: « année 2018 · tous les campus »."""
    year = f"année {f.year}" if f.year else "toutes les années"
    campuses = ", ".join(f.campuses) if f.campuses else "tous les campus"
    sector = (f" · région {f.region}" if f.region else "") + (f" · filière {f.sector}" if f.sector else "")
    figures = f" · {f.figures}" if f.figures else ""
    if f.figures and f.campuses and cycle.NO_CAMPUS in f.campuses:
        campuses = "aucun campus validé"
    return f"{year}{sector} · {campuses}{figures}"


def scope_label(f: Filters) -> str:
    """Who a figure is about, for file names: one campus's code, a few codes, n campus, or the region."""
    if f.campus and not f.campuses:
        return slug(f.campus)
    campuses = f.campuses
    if not campuses:
        return "region"
    if len(campuses) <= 3:
        return "-".join(slug(c) for c in campuses)
    return f"{len(campuses)}-campus"


def file_name(name: str, f: Filters, ext: str) -> str:
    """financements_AMF_2018.png: what, about whom, which year."""
    year = str(f.year) if f.year else "toutes-annees"
    return f"{slug(name)}_{scope_label(f)}_{year}.{ext}"


# ---------------------------------------------------------------- images

_render_lock = threading.Lock()


@lru_cache(maxsize=1)
def _renderer() -> None:
    """Start kaleido's browser once per process and keep it warm (MathJax off: it would be fetched from the web)."""
    import kaleido

    try:
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    except RuntimeError:  # already started by someone else in this process
        pass


def sized(fig: go.Figure, caption: str = "", width: int | None = None, height: int | None = None
          ) -> tuple[go.Figure, int, int, float]:
    """A copy of `fig` laid out 16:9 for a slide: at least 1280 × 720, taller charts kept tall (rows stay readable);
    or laid out `width` × `height` (the meeting pack's pictures: small enough that their text prints large; without
    `height`, 16:9 or taller when the chart needs it). With `caption` (scope, year, source, data date) written along its foot, as on screen.
    Returns the figure, its layout size and the scale that makes the image at least full HD."""
    from cmq.outputs import charts

    if width:
        height = height or max(round(width * 9 / 16), int(fig.layout.height or 0))
        scale = max(PIXEL_HEIGHT * 16 / 9 / width, 1.0)
    else:
        height = max(HEIGHT, int(fig.layout.height or 450))
        width = int(height * 16 / 9)
        scale = max(PIXEL_HEIGHT / height, 1.0)
    out = go.Figure(fig)
    margin = out.layout.margin
    out.update_layout(width=width, height=height, title_x=0.012,  # a printed page needs a white border
                      margin=dict(l=max(margin.l or 0, 30), r=max(margin.r or 0, 30), b=max(margin.b or 0, 30)))
    charts.relayout_legend(out)
    if caption:
        bottom = max(margin.b or 0, 30) + 34
        out.update_layout(margin_b=bottom)
        out.add_annotation(text=fmt.plain(caption), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                           yanchor="bottom", yshift=-(bottom - 8), showarrow=False, font=dict(size=12, color="#444444"))
    return out, width, height, scale


def image(fig: go.Figure, kind: str = "png", caption: str = "", width: int | None = None,
          height: int | None = None) -> bytes:
    """The figure as PNG (at least 1920 pixels wide) or SVG, rendered by the warm kaleido browser (`caption`,
    `width`, `height`: see sized)."""
    if kind not in ("png", "svg"):
        raise ExportError(f"Format d'image inconnu : {kind} (png ou svg).")
    out, width, height, scale = sized(fig, caption, width, height)
    _renderer()
    try:
        with _render_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts is ignored when using a server": the server has them
            return out.to_image(format=kind, width=width, height=height, scale=scale if kind == "png" else 1)
    except Exception as e:  # kaleido reports a missing or broken browser in English
        raise ExportError("Impossible de dessiner l'image : le navigateur Chromium (paquet Debian « chromium ») "
                          f"est introuvable ou s'est arrêté ({type(e).__name__}).") from e


def font_sizes(fig: go.Figure) -> list[float]:
    """Every text size a figure declares (its layout font for what declares none, and the smallest size plotly may
    shrink a bar's label to): what its smallest text is."""
    found: list[float] = []

    def walk(node, under_font: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "size" and under_font and isinstance(value, (int, float)):
                    found.append(float(value))
                elif key == "size" and under_font and isinstance(value, (list, tuple)):
                    found.extend(float(v) for v in value if isinstance(v, (int, float)))
                else:
                    walk(value, key.endswith("font") or key == "uniformtext")
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value, under_font)

    spec = fig.to_plotly_json()
    walk(spec, False)
    uniform = (spec.get("layout", {}).get("uniformtext") or {}).get("minsize")
    found = [v for v in found if v]
    if any(t.get("type") == "bar" and t.get("text") is not None for t in spec.get("data", [])):
        found.append(float(uniform or 1))  # plotly shrinks a label that does not fit, down to this
    return found


# ---------------------------------------------------------------- native charts

@dataclass
class Native:
    """What a native (editable) PowerPoint chart needs: its type, categories, series and number format."""

    kind: str  # bar (horizontal), column, line, pie, radar
    stacked: bool
    categories: list
    series: list[tuple[str, list, str | None]]  # name, values, colour (#RRGGBB or None)
    number_format: str

    def table(self) -> pd.DataFrame:
        """The chart's figures as a table (categories in rows, series in columns)."""
        return pd.DataFrame({"": self.categories} | {name: values for name, values, _ in self.series})


def _values(seq) -> list:
    return [] if seq is None else list(seq)


def _has_data(trace) -> bool:
    for attr in ("x", "r", "values", "z", "ids"):
        seq = getattr(trace, attr, None) if attr in trace else None
        if seq is not None and any(not fmt.missing(v) for v in _values(seq)):
            return True
    return trace.type == "sankey"  # its figures are in its links


def _number(v):
    if v is None or fmt.missing(v):
        return None
    return float(v)


def is_empty(fig: go.Figure) -> bool:
    """A figure that draws nothing (its message says what is missing)."""
    return not any(_has_data(t) for t in fig.data)


def native(fig: go.Figure) -> Native | None:
    """The figure as category/series data for an editable chart, or None when only an image can show it
    (maps, Sankey, heatmaps, trees, timelines)."""
    traces = [t for t in fig.data if _has_data(t)]  # legend-only markers (x=[None]) are not data
    if not traces:
        return None
    types = {t.type for t in traces}
    axis_format = (fig.layout.xaxis.tickformat or "") + (fig.layout.yaxis.tickformat or "")
    number_format = "0%" if "%" in axis_format else "#,##0"
    colorway = list(fig.layout.colorway or [])
    if types == {"bar"} and all(t.base is None for t in traces):
        horizontal = traces[0].orientation == "h"
        pairs = [(_values(t.y), _values(t.x)) if horizontal else (_values(t.x), _values(t.y)) for t in traces]
        return _categorised("bar" if horizontal else "column", fig.layout.barmode in ("stack", "relative"), traces, pairs,
                            number_format, colorway)
    if types == {"scatterpolar"}:
        pairs = []
        for t in traces:
            theta, r = _values(t.theta), _values(t.r)
            if len(theta) > 1 and theta[0] == theta[-1]:  # plotly closes the loop by repeating the first point
                theta, r = theta[:-1], r[:-1]
            pairs.append((theta, r))
        return _categorised("radar", False, traces, pairs, "0.#", colorway)
    if types == {"scatter"} and fig.layout.xaxis.visible is not False and all("lines" in (t.mode or "") for t in traces):
        return _categorised("line", False, traces, [(_values(t.x), _values(t.y)) for t in traces], number_format,
                            colorway)
    if types == {"pie"} and len(traces) == 1:
        t = traces[0]
        return Native("pie", False, [html.unescape(str(c)) for c in _values(t.labels)],
                      [(html.unescape(t.name or ""), [_number(v) for v in _values(t.values)], None)],
                      number_format)
    return None


def _categorised(kind, stacked, traces, pairs, number_format, colorway) -> Native:
    categories = list(dict.fromkeys(c for cats, _ in pairs for c in cats))
    series = []
    for i, (t, (cats, vals)) in enumerate(zip(traces, pairs)):
        by_cat = dict(zip(cats, vals))
        colour = t.marker.color if hasattr(t, "marker") and isinstance(t.marker.color, str) else None
        if colour is None and getattr(t, "line", None) is not None and isinstance(t.line.color, str):
            colour = t.line.color
        if colour is None and colorway:  # plotly's default colours, the same on the slide as on screen
            colour = colorway[i % len(colorway)]
        series.append((html.unescape(t.name or "Valeur"), [_number(by_cat.get(c)) for c in categories], colour))
    # a label wrapped for the screen (« <br> ») is one line again on a slide or in a workbook
    return Native(kind, stacked, [html.unescape(str(c).replace("<br>", " ")) for c in categories], series, number_format)


def title_of(fig: go.Figure) -> str:
    """The figure's title as plain text."""
    return _plain(fig.layout.title.text or "")


def notes_of(fig: go.Figure) -> list[str]:
    """The figure's notes (what a crowded chart leaves out, estimates, map credits) as plain text."""
    return [_plain(a.text) for a in fig.layout.annotations if a.text and a.xref == "paper"]


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text.replace("<br>", " ")).replace("  ", " ").strip())
