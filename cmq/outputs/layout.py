"""One document layout for the meeting pack and the annual report: the embedded fonts, text measured in them, column
widths, line breaking, and one PDF table writer (cell colours, figures aligned right, the header again at the top of
each page). The slides' and the Word document's tables are sized by the same measures."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cmq.outputs import palette
from cmq.outputs.export import ExportError

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
TABLE_PT = 9  # the PDF's and the Word document's tables
CELL_MARGIN_IN = 0.2  # left and right margins of a cell, together
MM_PER_IN = 25.4
WIDEST_IN = 4.5  # a column never asks for more than this before the others have their longest word


def add_fonts(doc):
    """The DejaVu fonts (regular and bold: Debian's fonts-dejavu-core) in an fpdf2 document; returns it."""
    for style, file in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        if not (FONT_DIR / file).exists():
            raise ExportError(f"Police introuvable : {FONT_DIR / file} (paquet Debian « fonts-dejavu-core »).")
        doc.add_font(FONT, style, str(FONT_DIR / file))
    return doc


def pdf_setup(doc, title: str) -> None:
    """Margins, page breaks, the embedded fonts, the title and the French language."""
    doc.set_margins(12, 12, 12)
    doc.set_auto_page_break(True, margin=14)
    add_fonts(doc)
    doc.set_title(title)
    doc.set_lang("fr")


class Measure:
    """Widths of texts in DejaVu Sans (embedded in the PDFs; the widest font an office suite falls back on, so that
    a slide's or a Word document's cell sized by it never cuts a word whatever the reader's fonts). Each (style,
    size, text) is measured once: a national report's tens of thousands of cells share their words."""

    def __init__(self, doc=None):
        if doc is None:
            from fpdf import FPDF

            doc = add_fonts(FPDF())
        self.doc = doc
        self.known: dict[tuple[str, float, str], float] = {}
        self._measuring = threading.Lock()  # one measure may serve several pages' threads (the slides' one does)

    def mm(self, text: str, style: str = "", size: float = TABLE_PT) -> float:
        key = (style, size, text)
        if key not in self.known:
            with self._measuring:
                self.doc.set_font(FONT, style, size)
                self.known[key] = self.doc.get_string_width(text)
        return self.known[key]

    def inches(self, text: str, style: str = "", size: float = TABLE_PT) -> float:
        return self.mm(text, style, size) / MM_PER_IN

    def lines(self, text: str, room: float, style: str = "", size: float = TABLE_PT) -> list[str]:
        """`text` cut into lines no wider than `room` mm, between words (a word wider than a line is cut), a line
        break of the text kept."""
        out = []
        space = self.mm(" ", style, size)
        for paragraph in str(text).split("\n"):
            line, used = [], 0.0
            for word in (w for w in paragraph.split(" ") if w):  # no-break spaces hold « 3 750 € » together
                w = self.mm(word, style, size)
                while w > room and len(word) > 1:  # a word alone wider than the cell: cut it
                    cut = len(word)
                    while cut > 1 and self.mm(word[:cut], style, size) > room:
                        cut -= 1
                    if line:
                        out.append(" ".join(line))
                        line, used = [], 0.0
                    out.append(word[:cut])
                    word = word[cut:]
                    w = self.mm(word, style, size)
                if line and used + space + w > room:
                    out.append(" ".join(line))
                    line, used = [], 0.0
                used += (space if line else 0) + w
                line.append(word)
            out.append(" ".join(line))
        return out or [""]

    def row_inches(self, values, widths: list[float], size: float) -> float:
        """The height of a table row whose cells are `widths` inches wide (a slide's native table)."""
        lines = max(len(self.lines(str(v), max(w - CELL_MARGIN_IN, 0.2) * MM_PER_IN, size=size))
                    for v, w in zip(values, widths))
        return lines * size * 1.2 / 72 + 0.1


def column_widths(df: pd.DataFrame, total: float, size: float, measure: Callable[[str], float]) -> list[float]:
    """Column widths (inches) adding up to `total`: each column first gets its longest word (a word is never
    broken), then as much of its longest text as the room allows. `measure(text)`: a text's width in inches; a
    header, in bold, counts a tenth wider."""
    least, wish = [], []
    for c in df.columns:
        texts = [(str(v), 1.0) for v in df[c]] + [(str(c), 1.1)]
        least.append(max(measure(w) * k for t, k in texts for w in (t.split() or [""])) + CELL_MARGIN_IN)
        wish.append(max(least[-1], max(min(measure(t) * k, WIDEST_IN) for t, k in texts) + CELL_MARGIN_IN))
    if sum(least) >= total:
        return [w * total / sum(least) for w in least]
    room, flexible = total - sum(least), sum(w - m for w, m in zip(wish, least))
    share = min(1.0, room / flexible) if flexible else 0.0
    widths = [m + (w - m) * share for w, m in zip(wish, least)]
    return [w * total / sum(widths) for w in widths]


FIGURE = re.compile(r"^[≈<>~+−-]?\s?\d[\d\s\u00a0\u202f]*(,\d+)?\s?(%|€|k€|M€|pts?)?$")


def figure_columns(df: pd.DataFrame) -> list[str]:
    """The columns that hold figures (« 1 234,5 € », « 25 % », « ≈ 50 »): every filled cell one, at least one filled."""
    out = []
    for c in df.columns:
        texts = [str(v).strip() for v in df[c] if str(v).strip() not in ("", "—", "non renseigné", "nan", "None")]
        if texts and all(FIGURE.match(t) for t in texts):
            out.append(c)
    return out


class PdfTable:
    """Tables on a PDF's pages, `width` mm wide: columns as wide as what they hold, every cell whole and wrapped
    between words, the header row again at the top of each page, figures aligned right, a coloured cell with its
    colour and the ink that reads on it, bold rows. Laid out from measured words and drawn with plain text and
    rectangles: fpdf2's own tables measure every character of every cell, minutes for a national report."""

    LINE_MM, PAD_MM = TABLE_PT * 0.45, 1.2

    def __init__(self, doc, width: float, size: float = TABLE_PT):
        self.doc, self.width, self.size = doc, width, size
        self.measure = Measure(doc)

    def _widths(self, df: pd.DataFrame) -> list[float]:
        return [w * MM_PER_IN for w in column_widths(df, self.width / MM_PER_IN, self.size,
                                                      lambda t: self.measure.inches(t, size=self.size))]

    def _cells(self, values, widths: list[float], style: str = "") -> list[list[str]]:
        return [self.measure.lines(str(v), w - 2 * self.PAD_MM, style, self.size) for v, w in zip(values, widths)]

    def _row_mm(self, cells: list[list[str]]) -> float:
        return max(len(c) for c in cells) * self.LINE_MM + 2 * self.PAD_MM

    def height(self, df: pd.DataFrame) -> float:
        """The height (mm) the table takes on one page, its space above and below included."""
        if df.empty:
            return 7  # « Aucune ligne. »
        widths = self._widths(df)
        rows = [self._cells(df.columns, widths, "B")] + [self._cells(v, widths) for v in df.itertuples(index=False)]
        return sum(self._row_mm(c) for c in rows) + 4

    def draw(self, df: pd.DataFrame, numeric: list[str] | None = None, fills: pd.DataFrame | None = None,
             bold: list[bool] | None = None) -> None:
        """Draw `df` from the current position; `numeric`: the columns aligned right (by default, those holding
        figures only); `fills`: a #RRGGBB colour (or None) per cell; `bold`: per row."""
        doc = self.doc
        doc.ln(1)
        if df.empty:
            doc.set_font(FONT, size=self.size)
            doc.cell(0, 6, "Aucune ligne.", new_x="LMARGIN", new_y="NEXT")
            return
        widths = self._widths(df)
        numeric = figure_columns(df) if numeric is None else numeric
        right = [c in numeric for c in df.columns]
        header = self._cells(df.columns, widths, "B")
        self._row(header, widths, [False] * len(widths), "B", [None] * len(widths), repeat=None)
        for i, values in enumerate(df.itertuples(index=False)):
            style = "B" if bold and bold[i] else ""
            colours = [None] * len(widths) if fills is None else [f or None for f in fills.iloc[i]]
            self._row(self._cells(values, widths, style), widths, right, style, colours, repeat=header)
        doc.set_y(doc.get_y() + 3)

    def _row(self, cells, widths, right, style, colours, repeat) -> None:
        doc = self.doc
        height = self._row_mm(cells)
        if doc.get_y() + height > doc.page_break_trigger:
            doc.add_page()
            if repeat is not None:
                self._row(repeat, widths, [False] * len(widths), "B", [None] * len(widths), None)
        x, y = doc.l_margin, doc.get_y()
        doc.set_font(FONT, style, self.size)
        doc.set_draw_color(120)
        for lines, w, r, fill in zip(cells, widths, right, colours):
            heading = repeat is None
            if heading or fill:
                doc.set_fill_color(*((230, 230, 230) if heading else _rgb(fill)))
                doc.rect(x, y, w, height, style="DF")
            else:
                doc.rect(x, y, w, height)
            doc.set_text_color(*(_rgb(palette.ink(fill)) if fill else (0, 0, 0)))
            for k, line in enumerate(lines):
                left = x + w - self.PAD_MM - self.measure.mm(line, style, self.size) if r else x + self.PAD_MM
                doc.text(left, y + self.PAD_MM + (k + 0.8) * self.LINE_MM, line)
            x += w
        doc.set_text_color(0)
        doc.set_fill_color(255)
        doc.set_y(y + height)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
