"""The meeting pack « Dossier de séance »: the figures of a scope (the region or one campus) for one year, as a PowerPoint
deck with native editable charts, an A4 landscape PDF, and an Excel workbook with one sheet per figure."""
from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import pandas as pd
import plotly.graph_objects as go

from cmq.core import cycle, fmt, queries, schema
from cmq.core.filters import Filters
from cmq.outputs import export, layout
from cmq.outputs.export import ExportError, Native
from cmq.outputs.registry import CAMPUS_PACK, FIGURES, REGION_PACK, Figure
from cmq.outputs.tables import Grid

FORMATS = ("pptx", "pdf", "xlsx")
MAX_BATCH_LINES = 14  # batches listed on the closing slide / page (the workbook lists them all)
# A picture (map, flows, calendar) is laid out this size in pixels, the shape of the room it has on a slide: its
# smallest text (charts.MIN_TEXT, 12 px) then prints at about 12 pt on the slide and 10 pt on the A4 page.
PICTURE_WIDTH, PICTURE_HEIGHT = 900, 400
TEXT_PT = 12  # the smallest text of a slide: charts, tables, captions


@dataclass
class Item:
    """One figure of the pack: its definition, filters, rows, plotly figure and (once asked) its image."""

    figure: Figure
    ctx: Filters
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

    @cached_property
    def grid(self) -> Grid | None:
        """Its table form, for a figure that would not read as a picture at slide size."""
        return self.figure.grid(self.data) if self.figure.grid else None

    @property
    def message(self) -> str | None:
        """What an empty figure says is missing (shown as text, not as a picture of text)."""
        if self.grid is not None and self.grid.message:
            return self.grid.message
        return (" ".join(export.notes_of(self.fig)) or "Aucune donnée.") if export.is_empty(self.fig) else None

    @property
    def picture_size(self) -> tuple[int, int]:
        """The layout size (pixels) of its picture: as tall as the chart needs, up to the room a slide gives (a short
        chart leaves its table room below it on the page)."""
        return PICTURE_WIDTH, min(PICTURE_HEIGHT, int(self.fig.layout.height or PICTURE_HEIGHT))

    def png(self) -> bytes:
        """Its picture without its title nor its notes: the page or slide prints them as text around it (twice
        otherwise)."""
        if self._png is None:
            width, height = self.picture_size
            bare = go.Figure(self.fig)
            bare.update_layout(title_text=None, margin_t=24)
            bare.layout.annotations = [a for a in self.fig.layout.annotations if a.xref != "paper"]
            self._png = export.image(bare, "png", width=width, height=height)
        return self._png


@dataclass
class Pack:
    """Everything the three formats show."""

    scope: str  # "region" (every campus read), "region:<name>" (one region's) or a campus code
    scope_title: str
    year: int
    data_date: str
    items: list[Item]
    batches: pd.DataFrame
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    figures: str | None = None  # « chiffres validés seulement (…) » when the year has a campaign
    committee: str | None = None  # whom it is for (a region's steering committee, the national level)

    def file_name(self, kind: str) -> str:
        return f"dossier-de-seance_{export.slug(self.scope)}_{self.year}.{kind}"

    @property
    def shown(self) -> list[Item]:
        """The figures with something to show: a page or slide each."""
        return [i for i in self.items if i.message is None]

    @property
    def missing(self) -> list[Item]:
        """The figures with nothing to show yet: listed together on one « Non renseigné à ce jour » page, never given
        a page of one sentence each."""
        return [i for i in self.items if i.message is not None]


MISSING_TITLE = "Non renseigné à ce jour"


def missing_lines(pack: Pack) -> list[str]:
    """One line per figure with nothing to show: its title and what it lacks."""
    return [f"{i.title} : {i.message}" for i in pack.missing]


Run = Callable[..., pd.DataFrame]


@dataclass
class Scope:
    """What a document covers: the region or one campus, for one year, with the query parameters that say so."""

    scope: str
    title: str
    year: int
    ctx: Filters
    campuses: pd.DataFrame  # every campus of the scope (the `campuses` query, one region's for a region)
    figures: str | None = None  # « chiffres validés seulement (…) » when the year has a campaign
    regions: tuple[str, ...] = ()  # the regions of its campuses

    @property
    def national(self) -> bool:
        """A document of several regions: the national synthesis (one chapter per region)."""
        return is_many(self.scope) and len(self.regions) > 1

    @property
    def committee(self) -> str | None:
        """Whom a document of many campuses is for: its region's steering committee, or the national level."""
        if not is_many(self.scope):
            return None
        if self.national:
            return "Synthèse nationale, région par région"
        return f"Comité de pilotage régional des CMQ · {self.regions[0]}" if self.regions else None


REGION_PREFIX = "region:"  # « region:Bourgogne-Franche-Comté »: one region's campuses (« region »: every campus read)


def is_many(scope: str) -> bool:
    """A document of several campuses (every campus read, or one region's), not of one campus."""
    return scope == "region" or scope.startswith(REGION_PREFIX)


def scope_of(run: Run, scope: str, year: int, campaign: dict | None = None) -> Scope:
    """Check the scope and year in French, and say which campuses the document reads: with the year's `campaign`, only
    its validated campuses' figures (the committee's figures on a date)."""
    campuses = run("campuses")
    years = [int(y) for y in run("years")["year"]]
    region = scope[len(REGION_PREFIX):] if scope.startswith(REGION_PREFIX) else None
    if region is not None and region not in set(campuses["region"]):
        raise ExportError(f"Région inconnue ou hors de votre périmètre : « {region} ». Régions possibles : "
                          f"{', '.join(sorted(campuses['region'].dropna().unique()))}.")
    if region is not None:
        campuses = campuses[campuses["region"] == region].reset_index(drop=True)
    if not is_many(scope) and scope not in set(campuses["campus_id"]):
        codes = campuses["campus_id"].tolist()
        listed = ", ".join(codes[:12]) + (f" … ({len(codes)} campus)" if len(codes) > 12 else "")
        raise ExportError(f"Campus inconnu : « {scope} ». Périmètres possibles : region, {listed}.")
    if year not in years:
        raise ExportError(f"Aucune donnée pour l'année {year}. Années disponibles : "
                          f"{', '.join(str(y) for y in years) or 'aucune'}.")
    regions = tuple(sorted(campuses["region"].dropna().unique()))
    if is_many(scope):
        where = f"Région {regions[0]}" if len(regions) == 1 else f"{len(regions)} régions"
        title = f"{where} · {fmt.number(len(campuses))} campus"
        ctx = Filters(year=year, until=year, region=region,
                      campuses=tuple(campuses["campus_id"]) if region is not None else None)
    else:
        name = campuses.set_index("campus_id").loc[scope, "name"]
        title = f"Campus {scope} – {name}"
        ctx = Filters(year=year, campuses=(scope,), campus=scope, until=year)
    figures = None
    if campaign is not None:
        _, shown, figures = cycle.validated_only(campaign, list(ctx.campuses or campuses["campus_id"]))
        ctx = ctx.but(campuses=shown, figures=figures)
    return Scope(scope, title, year, ctx, campuses, figures, regions)


def build(run: Run, scope: str, year: int, campaign: dict | None = None) -> Pack:
    """Query and draw every figure of the pack. `run(name, **params)` is the read path (cached in the app). With the
    year's `campaign`, only its validated campuses' figures are shown, and the title slide says so."""
    s = scope_of(run, scope, year, campaign)
    ctx, names, scope_title, figures = s.ctx, (REGION_PACK if is_many(scope) else CAMPUS_PACK), s.title, s.figures
    items = []
    for n in names:
        fig_def = FIGURES[n]
        data = run(fig_def.query, **fig_def.params(ctx))
        items.append(Item(fig_def, ctx, data, fig_def.chart(data, ctx)))
    batches = run("pack_batches", **ctx.params(("campuses", "until")))
    last = batches["committed_at"].max() if not batches.empty else None
    return Pack(scope, scope_title, year, fmt.local_day(last), items, batches, figures=figures, committee=s.committee)


def build_from_store(store, scope: str, year: int) -> Pack:
    """The pack straight from a store (command line, benchmark): one connection for every query."""
    con = store.connect()
    try:
        return build(lambda name, **p: queries.run(name, con=con, **p), scope, year, store.campaigns().get(int(year)))
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
        "Lot": shown["batch_id"].astype(str),
        "Données": shown["table_name"].map(lambda t: schema.TABLES[t].label if t in schema.TABLES else t),
        "Fichier": shown["file_name"],
        "Importé par": shown["user_name"], "Importé le": shown["committed_at"].map(fmt.moment),
        "Lignes utilisées": shown["rows_used"].map(fmt.number),
    })
    more = len(b) - len(shown)
    return table, (f"… et {fmt.number(more)} lot(s) plus ancien(s), listés dans le classeur Excel du dossier." if more else "")


def _closing_title(pack: Pack) -> str:
    return f"Lots d'import à l'origine des chiffres ({fmt.number(len(pack.batches))})"


def _subtitle(pack: Pack) -> list[str]:
    return [pack.scope_title, *([pack.committee] if pack.committee else []),
            f"Année {pack.year}" + (f" · {pack.figures}" if pack.figures else ""),
            f"Données au {pack.data_date}", f"Document produit le {fmt.local_day(pack.made_at)}"]


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

    for item in pack.shown:
        caption = [f"{item.caption} · Données au {pack.data_date}"] + export.notes_of(item.fig)
        if item.grid is not None:
            _grid_slides(prs, item.title, caption[:1] + ([item.grid.note] if item.grid.note else []), item.grid)
            continue
        slide = _titled(prs, item.title)
        _text(slide, Inches(0.5), Inches(1.05), Inches(12.3), Inches(0.6), caption, size=TEXT_PT)
        box = (Inches(0.5), Inches(1.75), Inches(12.3), Inches(5.5))
        if item.native is not None:
            _chart(slide, item.native, *box)
        else:
            _picture(slide, item.png(), *box)
    if pack.missing:
        slide = _titled(prs, MISSING_TITLE)
        _text(slide, Inches(0.5), Inches(1.2), Inches(12.3), Inches(5.8), missing_lines(pack), size=16)

    slide = _titled(prs, _closing_title(pack))
    table, more = batch_lines(pack)
    _table(slide, table)
    if more:
        _text(slide, Inches(0.5), Inches(6.8), Inches(12.3), Inches(0.4), [more], size=TEXT_PT)
    _in_french(prs)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _in_french(prs) -> None:
    """Every text of the deck is French for the spelling checker: the language of each run and of every default."""
    for part in prs.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is None:
            continue
        for node in element.iter():
            if node.get("lang") is not None:
                node.set("lang", "fr-FR")
            if node.tag.endswith("}rPr") or node.tag.endswith("}endParaRPr") or node.tag.endswith("}defRPr"):
                node.set("lang", "fr-FR")


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
        run = p.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


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
    if native.kind in ("bar", "column", "line"):
        axis = chart.value_axis  # from zero, in the chart's number format (a percentage reads 40 %, not 0.4)
        axis.minimum_scale = 0
        if native.number_format.endswith("%"):
            axis.maximum_scale = 1
        axis.tick_labels.number_format = native.number_format
        axis.tick_labels.number_format_is_linked = False
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


SLIDE_TABLE_TOP, SLIDE_TABLE_BOTTOM, SLIDE_TABLE_WIDTH = 1.75, 7.2, 12.3  # inches
@functools.cache
def measure() -> layout.Measure:
    """The slides' tables are sized in the PDF's font (layout.Measure): one measure for the process."""
    return layout.Measure()


def slide_widths(df: pd.DataFrame) -> list[float]:
    """A slide's table's column widths (inches)."""
    return layout.column_widths(df, SLIDE_TABLE_WIDTH, TEXT_PT, lambda t: measure().inches(t, size=TEXT_PT))


def row_inches(values, widths: list[float], size: float) -> float:
    return measure().row_inches(values, widths, size)


def slide_pages(df: pd.DataFrame, widths: list[float], size: float) -> list[list[int]]:
    """The rows of each slide: as many as fit under the header, the header repeated on each."""
    room = SLIDE_TABLE_BOTTOM - SLIDE_TABLE_TOP - row_inches(df.columns, widths, size)
    pages, page, used = [], [], 0.0
    for i, values in enumerate(df.itertuples(index=False)):
        h = row_inches(values, widths, size)
        if page and used + h > room:
            pages.append(page)
            page, used = [], 0.0
        page.append(i)
        used += h
    return pages + [page] if page else pages or [[]]


def _page_title(title: str, n: int, pages: int) -> str:
    return title + (f" ({n}/{pages})" if pages > 1 else "")


def grid_pages(grid: Grid, title: str) -> list[tuple[str, list[int]]]:
    """The slides of a figure's table form, each with its title and its rows: as many as the rows need, a new one
    for each value of its `page_by` column (one campus per slide)."""
    widths = slide_widths(grid.table)
    groups = ([(None, list(range(len(grid.table))))] if not grid.page_by else
              [(k, list(idx)) for k, idx in grid.table.groupby(grid.page_by, sort=False).indices.items()])
    out = []
    for key, rows in groups:
        pages = slide_pages(grid.table.iloc[rows], widths, TEXT_PT)
        named = title if key is None else f"{title} – {key}"
        out += [(_page_title(named, n, len(pages)), [rows[i] for i in page]) for n, page in enumerate(pages, start=1)]
    return out


def _grid_slides(prs, title: str, caption: list[str], grid: Grid) -> None:
    """A figure's table form over its slides (grid_pages), its header on each."""
    from pptx.util import Inches

    widths = slide_widths(grid.table)
    for name, rows in grid_pages(grid, title):
        slide = _titled(prs, name)
        _text(slide, Inches(0.5), Inches(1.05), Inches(12.3), Inches(0.6), caption, size=TEXT_PT)
        _table(slide, grid.table.iloc[rows], widths,
               None if grid.fills is None else grid.fills.iloc[rows],
               None if grid.bold is None else [grid.bold[i] for i in rows])


def _table(slide, df: pd.DataFrame, widths: list[float] | None = None, fills: pd.DataFrame | None = None,
           bold: list[bool] | None = None) -> None:
    """A native table at 12 pt under the slide's caption: each cell wraps, a coloured cell keeps its colour."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    from cmq.outputs import palette

    widths = widths or slide_widths(df)
    heights = [row_inches(df.columns, widths, TEXT_PT)] + [row_inches(v, widths, TEXT_PT) for v in df.itertuples(index=False)]
    shape = slide.shapes.add_table(len(df) + 1, len(df.columns), Inches(0.5), Inches(SLIDE_TABLE_TOP),
                                   Inches(sum(widths)), Inches(sum(heights)))
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i, h in enumerate(heights):
        table.rows[i].height = Inches(h)
    for j, col in enumerate(df.columns):
        table.cell(0, j).text = str(col)
        for i, v in enumerate(df[col], start=1):
            cell = table.cell(i, j)
            cell.text = str(v)
            fill = None if fills is None else fills.iloc[i - 1, j]
            runs = [r for p in cell.text_frame.paragraphs for r in p.runs]
            if fill:
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor.from_string(fill[1:])
                for run in runs:
                    run.font.color.rgb = RGBColor.from_string(palette.ink(fill)[1:])
            if bold and bold[i - 1]:
                for run in runs:
                    run.font.bold = True
    for row in table.rows:
        for cell in row.cells:
            cell.margin_left = cell.margin_right = Inches(layout.CELL_MARGIN_IN / 2)
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(TEXT_PT)


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
    layout.pdf_setup(doc, f"Dossier de séance · {pack.scope_title} · {pack.year}")
    tables = layout.PdfTable(doc, PAGE_WIDTH)

    doc.add_page()
    doc.set_y(60)
    doc.set_font("DejaVu", "B", 30)
    doc.cell(0, 16, "Dossier de séance", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=16)
    for line in _subtitle(pack):
        doc.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("DejaVu", size=11)
    _pdf_contents(doc, [item.title for item in pack.shown] + ([f"{MISSING_TITLE} ({len(pack.missing)} figure(s))"]
                                                             if pack.missing else []) + [_closing_title(pack)])

    for item in pack.shown:
        doc.add_page()
        _heading(doc, item.title, [f"{item.caption} · Données au {pack.data_date}"])
        if item.grid is not None:
            tables.draw(item.grid.table, fills=item.grid.fills, bold=item.grid.bold)
            _pdf_notes(doc, [item.grid.note] if item.grid.note else [])
            continue
        table, more = figures_table(item)
        notes = export.notes_of(item.fig)
        below = tables.height(table) + 6 * (len(notes) + bool(more)) + 8
        w, h = picture_mm(doc.get_y() + 2, *pixels(item.png()), below)
        doc.image(io.BytesIO(item.png()), x=12 + (PAGE_WIDTH - w) / 2, y=doc.get_y() + 2, w=w, h=h)
        doc.set_y(doc.get_y() + h + 4)
        _pdf_notes(doc, notes)
        if doc.get_y() + below > PAGE_BOTTOM:  # the figures on a page of their own rather than cut after a line
            doc.add_page()
            _heading(doc, f"{item.title} : les chiffres", [])
        tables.draw(table)
        _pdf_notes(doc, [more] if more else [])

    if pack.missing:
        doc.add_page()
        _heading(doc, MISSING_TITLE, [])
        doc.set_font("DejaVu", size=12)
        for line in missing_lines(pack):
            doc.multi_cell(0, 7, f"• {line}", align="L", new_x="LMARGIN", new_y="NEXT")
            doc.ln(2)
    doc.add_page()
    table, more = batch_lines(pack)
    _heading(doc, _closing_title(pack), [])
    tables.draw(table)
    _pdf_notes(doc, [more] if more else [])
    return bytes(doc.output())


def _pdf_contents(doc, titles: list[str]) -> None:
    """The numbered contents on the title page, in two columns when one would run onto a page of its own."""
    line, top = 6, doc.get_y()
    rows = len(titles) if top + line * len(titles) <= PAGE_BOTTOM else -(-len(titles) // 2)
    width = PAGE_WIDTH if rows == len(titles) else PAGE_WIDTH / 2
    for i, title in enumerate(titles):
        doc.set_xy(doc.l_margin + width * (i // rows), top + line * (i % rows))
        doc.cell(width - 4, line, fmt.short(f"{i + 2}. {title}", 80 if rows < len(titles) else 160))


def _heading(doc, title: str, lines: list[str]) -> None:
    doc.set_font("DejaVu", "B", 18)
    doc.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=9)
    doc.set_text_color(90)
    for line in lines:
        doc.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)


PAGE_WIDTH, PAGE_BOTTOM = 273, 196  # mm: the width between the margins, where the bottom margin starts
PICTURE_ROOM = 150  # mm: the most height a chart takes, leaving its figures' table room on the page
MAX_TABLE_ROWS, MAX_TABLE_COLUMNS = 40, 8


def pixels(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


MIN_PRINT_PT = 9  # a chart's smallest text (charts.MIN_TEXT) is never printed smaller
MM_PER_PT = 25.4 / 72


def picture_mm(top: float, width_px: int, height_px: int, below: float = 0) -> tuple[float, float]:
    """The size (mm) of a chart on a PDF page: the full width, or less when it would be too tall; smaller still to
    leave `below` mm to its figures' table, as long as its smallest text stays at least MIN_PRINT_PT."""
    from cmq.outputs import charts

    room = min(PICTURE_ROOM, PAGE_BOTTOM - top - 6)
    scale = min(PAGE_WIDTH / width_px, room / height_px)
    readable = MIN_PRINT_PT * MM_PER_PT / charts.MIN_TEXT * (PICTURE_WIDTH / width_px)  # mm per pixel of the image
    if below and height_px * scale + below > PAGE_BOTTOM - top:
        scale = max(min(scale, (PAGE_BOTTOM - top - below) / height_px), min(scale, readable))
    return width_px * scale, height_px * scale


def figures_table(item: Item) -> tuple[pd.DataFrame, str]:
    """The figures behind a chart as text cells in French formats, and a line saying what was left out."""
    native = item.native
    if native is not None:
        table = native.table()
        table = table.iloc[::-1] if native.kind == "bar" else table  # horizontal bars list their first category last
        percent = native.number_format.endswith("%")
        cell = (lambda v: fmt.percent(v)) if percent else (lambda v: fmt.number(v, 1))
        if len(table.columns) > MAX_TABLE_COLUMNS:
            table = table.iloc[:, :1].assign(Total=table.iloc[:, 1:].sum(axis=1, min_count=1))
    else:
        data = item.data if item.figure.pack_columns is None else item.data[list(item.figure.pack_columns)]
        table = export.french(data)
        wordy = [c for c in table.columns if table[c].astype(str).str.len().max() > 80]  # comments, requirements
        table = table.drop(columns=wordy).iloc[:, :MAX_TABLE_COLUMNS]

        def cell(v):
            if hasattr(v, "isoformat"):
                return fmt.day(v)
            return fmt.number(v, 1) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    cut = len(table) - MAX_TABLE_ROWS
    shown = table.head(MAX_TABLE_ROWS)
    text = pd.DataFrame({c: [("" if fmt.missing(v) else (cell(v) if i and c not in export.YEARS else _plain_number(v)))
                             for v in shown[c]] for i, c in enumerate(shown.columns)})
    return text, (f"… et {fmt.number(cut)} ligne(s) de plus dans le classeur Excel." if cut > 0 else "")


def _plain_number(v) -> str:
    """A year or a label as it is written: 2018, not « 2 018 » nor « 2018.0 »."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _pdf_notes(doc, lines: list[str]) -> None:
    doc.set_font("DejaVu", size=layout.TABLE_PT)
    doc.set_text_color(80)
    for line in lines:
        doc.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)


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
    rows = [{"Titre": "Dossier de séance", "Contenu": f"{pack.scope_title} · année {pack.year}"}]
    for item in pack.shown:
        if item.grid is not None:
            rows += [{"Titre": name, "Contenu": "tableau"} for name, _ in grid_pages(item.grid, item.title)]
        else:
            rows.append({"Titre": item.title, "Contenu": "graphique modifiable" if item.native is not None else
                         "image haute résolution"})
    if pack.missing:
        rows.append({"Titre": MISSING_TITLE, "Contenu": ", ".join(i.title for i in pack.missing)})
    rows.append({"Titre": _closing_title(pack), "Contenu": "tableau"})
    return pd.DataFrame(rows).assign(Diapositive=range(1, len(rows) + 1))[["Diapositive", "Titre", "Contenu"]]
