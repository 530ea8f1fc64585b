"""The meeting pack « Dossier de séance »: the figures of a scope (the region or one campus) for one year, as a PowerPoint
deck with native editable charts, an A4 landscape PDF, and an Excel workbook with one sheet per figure."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from cmq.core import fmt, queries
from cmq.outputs import export
from cmq.outputs.export import ExportError, Native
from cmq.outputs.registry import CAMPUS_PACK, FIGURES, REGION_PACK, Figure

FORMATS = ("pptx", "pdf", "xlsx")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_BATCH_LINES = 14  # batches listed on the closing slide / page (the workbook lists them all)


@dataclass
class Item:
    """One figure of the pack: its definition, filters, rows, plotly figure and (once asked) its image."""

    figure: Figure
    ctx: dict
    data: pd.DataFrame
    fig: go.Figure
    _png: bytes | None = None

    @property
    def title(self) -> str:
        return export.title_of(self.fig)

    @cached_property
    def native(self) -> Native | None:
        return export.native(self.fig)

    @property
    def caption(self) -> str:
        return f"{export.describe(self.figure.context(self.ctx))} · Source : {self.figure.source}"

    def png(self) -> bytes:
        if self._png is None:
            self._png = export.image(self.fig, "png")
        return self._png


@dataclass
class Pack:
    """Everything the three formats show."""

    scope: str  # "region" or a campus code
    scope_title: str
    year: int
    data_date: str
    items: list[Item]
    batches: pd.DataFrame
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def file_name(self, kind: str) -> str:
        return f"dossier-de-seance_{export.slug(self.scope)}_{self.year}.{kind}"


Run = Callable[..., pd.DataFrame]


def build(run: Run, scope: str, year: int) -> Pack:
    """Query and draw every figure of the pack. `run(name, **params)` is the read path (cached in the app)."""
    campuses = run("campuses")
    years = [int(y) for y in run("years")["year"]]
    if scope != "region" and scope not in set(campuses["campus_id"]):
        codes = campuses["campus_id"].tolist()
        listed = ", ".join(codes[:12]) + (f" … ({len(codes)} campus)" if len(codes) > 12 else "")
        raise ExportError(f"Campus inconnu : « {scope} ». Périmètres possibles : region, {listed}.")
    if year not in years:
        raise ExportError(f"Aucune donnée pour l'année {year}. Années disponibles : "
                          f"{', '.join(str(y) for y in years) or 'aucune'}.")
    if scope == "region":
        regions = sorted(campuses["region"].dropna().unique())
        where = f"Région {regions[0]}" if len(regions) == 1 else f"{len(regions)} régions"
        scope_title = f"{where} · {fmt.number(len(campuses))} campus"
        ctx, names = {"year": year, "campuses": None, "campus": None}, REGION_PACK
    else:
        name = campuses.set_index("campus_id").loc[scope, "name"]
        scope_title = f"Campus {scope} – {name}"
        ctx, names = {"year": year, "campuses": [scope], "campus": scope}, CAMPUS_PACK
    items = []
    for n in names:
        fig_def = FIGURES[n]
        data = run(fig_def.query, **fig_def.params(ctx))
        items.append(Item(fig_def, ctx, data, fig_def.chart(data, ctx)))
    batches = run("pack_batches", campuses=ctx["campuses"])
    last = batches["committed_at"].max() if not batches.empty else None
    return Pack(scope, scope_title, year, fmt.local_day(last),
                items, batches)


def build_from_store(store, scope: str, year: int) -> Pack:
    """The pack straight from a store (command line, benchmark): one connection for every query."""
    con = store.connect()
    try:
        return build(lambda name, **p: queries.run(name, con=con, **p), scope, year)
    finally:
        con.close()


def render(pack: Pack, kind: str) -> bytes:
    """The pack as pptx, pdf or xlsx bytes."""
    if kind not in FORMATS:
        raise ExportError(f"Format inconnu : « {kind} ». Formats possibles : {', '.join(FORMATS)}.")
    return {"pptx": pptx, "pdf": pdf, "xlsx": xlsx}[kind](pack)


def batch_lines(pack: Pack) -> tuple[pd.DataFrame, str]:
    """The batches listed on the closing slide/page (newest first) and a line saying how many more the workbook lists."""
    b = pack.batches.sort_values("committed_at", ascending=False)
    shown = b.head(MAX_BATCH_LINES)
    table = pd.DataFrame({
        "Lot": shown["batch_id"].astype(str), "Table": shown["table_name"], "Fichier": shown["file_name"],
        "Importé par": shown["user_name"], "Importé le": shown["committed_at"].map(fmt.moment),
        "Lignes utilisées": shown["rows_used"].map(fmt.number),
    })
    more = len(b) - len(shown)
    return table, (f"… et {fmt.number(more)} lot(s) plus ancien(s), listés dans le classeur Excel du dossier." if more else "")


def _closing_title(pack: Pack) -> str:
    return f"Lots d'import à l'origine des chiffres ({fmt.number(len(pack.batches))})"


def _subtitle(pack: Pack) -> list[str]:
    return [pack.scope_title, f"Année {pack.year}", f"Données au {pack.data_date}",
            f"Document produit le {fmt.local_day(pack.made_at)}"]


# ---------------------------------------------------------------- PowerPoint

def pptx(pack: Pack) -> bytes:
    """16:9 deck: title slide, one slide per figure (a native chart where its type allows, else an image), batches."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    _place(slide.shapes.title, Inches(0.8), Inches(1.8), Inches(11.7), Inches(1.4))
    slide.shapes.title.text = "Dossier de séance"
    sub = slide.placeholders[1]
    _place(sub, Inches(0.8), Inches(3.4), Inches(11.7), Inches(2.6))
    sub.text = "\n".join(_subtitle(pack))
    for p in sub.text_frame.paragraphs:
        p.font.size = Pt(22)

    for item in pack.items:
        slide = _titled(prs, item.title)
        _text(slide, Inches(0.5), Inches(1.05), Inches(12.3), Inches(0.6),
              [f"{item.caption} · Données au {pack.data_date}"] + export.notes_of(item.fig), size=12)
        box = (Inches(0.5), Inches(1.75), Inches(12.3), Inches(5.5))
        native = item.native
        if native is not None:
            _chart(slide, native, *box)
        else:
            _picture(slide, item.png(), *box)

    slide = _titled(prs, _closing_title(pack))
    table, more = batch_lines(pack)
    _table(slide, table, Inches(0.5), Inches(1.2), Inches(12.3))
    if more:
        _text(slide, Inches(0.5), Inches(6.8), Inches(12.3), Inches(0.4), [more], size=12)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _place(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = left, top, width, height


def _titled(prs, title: str):
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _place(slide.shapes.title, Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.8))
    slide.shapes.title.text = title
    for p in slide.shapes.title.text_frame.paragraphs:
        p.font.size = Pt(28)
    return slide


def _text(slide, left, top, width, height, lines: list[str], size: int) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        p.font.size = Pt(size)
        p.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _chart_data(number_format: str):
    """python-pptx's chart data, whose embedded workbook keeps every text as text: XlsxWriter would otherwise write an
    imported label starting with « = » (a funder, an action) as a live formula in the chart's workbook."""
    from contextlib import contextmanager

    from pptx.chart.data import CategoryChartData
    from pptx.chart.xlsx import CategoryWorkbookWriter
    from xlsxwriter import Workbook

    class TextWriter(CategoryWorkbookWriter):
        @contextmanager
        def _open_worksheet(self, xlsx_file):
            workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False})
            yield workbook, workbook.add_worksheet()
            workbook.close()

    class TextChartData(CategoryChartData):
        @property
        def _workbook_writer(self):
            return TextWriter(self)

    return TextChartData(number_format=number_format)


def _chart(slide, native: Native, left, top, width, height) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Pt

    types = {("bar", False): XL_CHART_TYPE.BAR_CLUSTERED, ("bar", True): XL_CHART_TYPE.BAR_STACKED,
             ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED, ("column", True): XL_CHART_TYPE.COLUMN_STACKED,
             ("line", False): XL_CHART_TYPE.LINE_MARKERS, ("pie", False): XL_CHART_TYPE.PIE,
             ("radar", False): XL_CHART_TYPE.RADAR_MARKERS}
    data = _chart_data(native.number_format)
    data.categories = native.categories
    for name, values, _ in native.series:
        data.add_series(name, values)
    chart = slide.shapes.add_chart(types[(native.kind, native.stacked)], left, top, width, height, data).chart
    chart.font.size = Pt(12)
    chart.has_title = False  # the slide's title says it
    chart.has_legend = len(native.series) > 1 or native.kind == "pie"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    plot = chart.plots[0]
    if native.kind in ("bar", "column"):
        plot.gap_width = 60
        if native.stacked:
            plot.overlap = 100
    if len(native.series) == 1 and native.kind in ("bar", "column", "pie"):
        plot.has_data_labels = True
        plot.data_labels.number_format = native.number_format
        plot.data_labels.number_format_is_linked = False
    for series, (_, _, colour) in zip(plot.series, native.series):
        if colour and colour.startswith("#") and len(colour) == 7 and native.kind != "pie":
            fill = series.format.line if native.kind in ("line", "radar") else series.format.fill
            if native.kind in ("line", "radar"):
                fill.color.rgb = RGBColor.from_string(colour[1:])
            else:
                fill.solid()
                fill.fore_color.rgb = RGBColor.from_string(colour[1:])


def _picture(slide, png: bytes, left, top, width, height) -> None:
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    scale = min(width / w, height / h)
    pw, ph = int(w * scale), int(h * scale)
    slide.shapes.add_picture(io.BytesIO(png), left + (width - pw) // 2, top, pw, ph)


def _table(slide, df: pd.DataFrame, left, top, width) -> None:
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_table(len(df) + 1, len(df.columns), left, top, width, Inches(0.35) * (len(df) + 1))
    for j, col in enumerate(df.columns):
        shape.table.cell(0, j).text = str(col)
        for i, v in enumerate(df[col], start=1):
            shape.table.cell(i, j).text = str(v)
    for row in shape.table.rows:
        for cell in row.cells:
            for p in cell.text_frame.paragraphs:
                p.font.size = Pt(11)


# ---------------------------------------------------------------- PDF

def pdf(pack: Pack) -> bytes:
    """A4 landscape: a title page, one page per figure (chart and its figures in a table), the batches."""
    from fpdf import FPDF

    class Doc(FPDF):
        def footer(self):
            self.set_y(-10)
            self.set_font("DejaVu", size=8)
            self.set_text_color(110)
            self.cell(0, 5, f"Dossier de séance · {pack.scope_title} · {pack.year} · page {self.page_no()} / {{nb}}",
                      align="R")

    doc = Doc(orientation="L", format="A4")
    doc.set_margins(12, 12, 12)
    doc.set_auto_page_break(True, margin=14)
    for style, file in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        if not (FONT_DIR / file).exists():
            raise ExportError(f"Police introuvable : {FONT_DIR / file} (paquet Debian « fonts-dejavu-core »).")
        doc.add_font("DejaVu", style, str(FONT_DIR / file))
    doc.set_title(f"Dossier de séance · {pack.scope_title} · {pack.year}")
    doc.set_lang("fr")

    doc.add_page()
    doc.set_y(60)
    doc.set_font("DejaVu", "B", 30)
    doc.cell(0, 16, "Dossier de séance", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=16)
    for line in _subtitle(pack):
        doc.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("DejaVu", size=11)
    for i, item in enumerate(pack.items, start=2):
        doc.cell(0, 6, f"{i}. {item.title}", new_x="LMARGIN", new_y="NEXT")

    for item in pack.items:
        doc.add_page()
        _heading(doc, item.title, [f"{item.caption} · Données au {pack.data_date}"])
        top = doc.get_y() + 2
        doc.image(io.BytesIO(item.png()), x=12, y=top, w=CHART_WIDTH)
        doc.set_xy(12, top + CHART_WIDTH * 9 / 16 + 2)
        doc.set_font("DejaVu", size=8)
        doc.set_text_color(90)
        for note in export.notes_of(item.fig):
            doc.multi_cell(CHART_WIDTH, 4, note, new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0)
        doc.set_xy(CHART_WIDTH + 18, top)
        _pdf_table(doc, *_figures_table(item), x=CHART_WIDTH + 18, width=273 - CHART_WIDTH - 6)

    doc.add_page()
    table, more = batch_lines(pack)
    _heading(doc, _closing_title(pack), [])
    _pdf_table(doc, table, "", x=12, width=273, widths=[0.06, 0.16, 0.3, 0.12, 0.24, 0.12])
    if more:
        doc.set_font("DejaVu", size=9)
        doc.cell(0, 6, more)
    return bytes(doc.output())


def _heading(doc, title: str, lines: list[str]) -> None:
    doc.set_font("DejaVu", "B", 18)
    doc.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=9)
    doc.set_text_color(90)
    for line in lines:
        doc.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)


CHART_WIDTH = 186  # mm of the 273 between the margins; the figures' table takes the rest
MAX_TABLE_ROWS, MAX_TABLE_COLUMNS = 16, 5


def _figures_table(item: Item) -> tuple[pd.DataFrame, str]:
    """The figures behind a chart as short text cells, French formats, and a line saying what was cut."""
    native = item.native
    if native is not None:
        table = native.table()
        table = table.iloc[::-1] if native.kind == "bar" else table  # horizontal bars list their first category last
        percent = native.number_format.endswith("%")
        cell = (lambda v: fmt.percent(v)) if percent else (lambda v: fmt.number(v, 1))
        if len(table.columns) > MAX_TABLE_COLUMNS:
            table = table.iloc[:, :1].assign(Total=table.iloc[:, 1:].sum(axis=1, min_count=1))
    else:
        table = export.french(item.data)
        wordy = [c for c in table.columns if table[c].astype(str).str.len().max() > 40]  # comments, requirements
        table = table.drop(columns=wordy).iloc[:, :MAX_TABLE_COLUMNS]

        def cell(v):
            return fmt.number(v, 1) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    cut = len(table) - MAX_TABLE_ROWS
    shown = table.head(MAX_TABLE_ROWS)
    text = pd.DataFrame({c: [("" if fmt.missing(v) else (cell(v) if i and c not in export.YEARS else _plain_number(v)))
                             for v in shown[c]] for i, c in enumerate(shown.columns)})
    return text, (f"… et {fmt.number(cut)} ligne(s) de plus dans le classeur Excel." if cut > 0 else "")


def _plain_number(v) -> str:
    """A year or a label as it is written: 2018, not « 2 018 » nor « 2018.0 »."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _pdf_table(doc, table: pd.DataFrame, more: str, x: float, width: float, widths: list[float] | None = None) -> None:
    if table.empty:
        doc.set_font("DejaVu", size=9)
        doc.cell(width, 6, "Aucune ligne pour ces filtres.")
        return
    if widths is None:  # the first column names the row, the others hold short figures
        first = 0.4 if len(table.columns) > 2 else 0.6
        widths = [first] + [(1 - first) / max(len(table.columns) - 1, 1)] * (len(table.columns) - 1)
    size = 7 if len(table.columns) > 3 else 8
    doc.set_font("DejaVu", size=size)
    # one line per cell: text cut to what its column holds (a DejaVu character is up to 0.23 × its size in mm)
    room = [max(int((w * width - 2) / (0.23 * size)), 4) for w in widths]
    with doc.table(width=width, col_widths=widths, align="LEFT", line_height=4.2, text_align="LEFT",
                   first_row_as_headings=True) as t:
        t.row([fmt.short(str(c), n) for c, n in zip(table.columns, room)])
        for values in table.itertuples(index=False):
            t.row([fmt.short(str(v), n) for v, n in zip(values, room)])
    if more:
        doc.set_x(x)
        doc.set_font("DejaVu", size=7)
        doc.multi_cell(width, 4, more)


# ---------------------------------------------------------------- Excel

def xlsx(pack: Pack) -> bytes:
    """A contents sheet, one sheet per figure with all its rows, and every batch the figures come from."""
    taken: set[str] = set()
    contents_name = export.sheet_name("Dossier", taken)
    sheets, contents = [], []
    for i, item in enumerate(pack.items, start=1):
        name = export.sheet_name(f"{i}. {item.title}", taken)
        contents.append({"N°": i, "Figure": item.title, "Feuille": name, "Filtres et source": item.caption})
        sheets.append(export.Sheet(name, [item.title, f"{item.caption} · Données au {pack.data_date}"]
                                   + export.notes_of(item.fig), export.french(item.data)))
    batches = export.Sheet(export.sheet_name("Lots d'import", taken), [_closing_title(pack)],
                           export.french(pack.batches.rename(columns={"rows_used": "Lignes utilisées"})))
    head = export.Sheet(contents_name, ["Dossier de séance"] + _subtitle(pack), pd.DataFrame(contents))
    return export.xlsx_bytes([head] + sheets + [batches])


def contents(pack: Pack) -> pd.DataFrame:
    """The slides of the pack, for the page that offers it."""
    rows = [{"Diapositive": 1, "Titre": "Dossier de séance", "Contenu": f"{pack.scope_title} · année {pack.year}"}]
    for i, item in enumerate(pack.items, start=2):
        rows.append({"Diapositive": i, "Titre": item.title,
                     "Contenu": "graphique modifiable" if item.native is not None else "image haute résolution"})
    rows.append({"Diapositive": len(rows) + 1, "Titre": _closing_title(pack), "Contenu": "tableau"})
    return pd.DataFrame(rows)
