"""The meeting pack is projected and printed as it is: its chart text is at least 9 pt on the A4 page and 11 pt on a
slide, no table cell is cut, a long table runs over slides instead of off one, the deck is proofed in French, and
what it lists reads as words, not internal names. Measured on the PDF and the PPTX as written."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from PIL import ImageFont
from pptx import Presentation
from pptx.util import Emu
from pypdf import PdfReader

from cmq.core import schema
from cmq.outputs import export, pack

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # wider than the deck's Calibri: a safe measure
PDF_MIN_PT, SLIDE_MIN_PT = 9, 11


@pytest.fixture(scope="module", params=["region", "AGT"])
def built(request, demo_store):
    p = pack.build_from_store(demo_store, request.param, 2018)
    return p, pack.render(p, "pdf"), pack.render(p, "pptx")


def pictured(p) -> list:
    """The items drawn as pictures, in the order of the pack."""
    return [item for item in p.items if item.grid is None and item.message is None]


def smallest_px(item) -> float:
    """The smallest text size the item's picture declares, laid out as the pack lays it out."""
    fig = export.sized(item.fig, "", *item.picture_size)[0]
    return min(export.font_sizes(fig))


def test_chart_text_prints_at_least_9_pt_on_the_pdf_page(built):
    p, pdf, _ = built
    reader = PdfReader(io.BytesIO(pdf))
    placed = []  # width (pt) of every image, page after page, as the page's drawing operators place it
    for page in reader.pages:
        stream = page.get_contents().get_data().decode("latin-1")
        placed += [float(w) for w in re.findall(r"([\d.]+) 0 0 [\d.]+ [\d.]+ [\d.]+ cm /I\d+ Do", stream)]
    items = pictured(p)
    assert len(placed) == len(items) > 0
    for item, width_pt in zip(items, placed):
        printed = smallest_px(item) * width_pt / item.picture_size[0]
        assert printed >= PDF_MIN_PT, f"{item.title}: {printed:.1f} pt"


def test_chart_text_is_at_least_11_pt_on_a_slide(built):
    p, _, deck = built
    prs = Presentation(io.BytesIO(deck))
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    items = pictured(p)
    natives = [item for item in items if item.native is not None]
    images = [item for item in items if item.native is None]
    assert len(pictures) == len(images)
    for item, shape in zip(images, pictures):
        printed = smallest_px(item) * Emu(shape.width).pt / item.picture_size[0]
        assert printed >= SLIDE_MIN_PT, f"{item.title}: {printed:.1f} pt"
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == len(natives)
    for chart in charts:  # every text size a native chart declares (axes, labels, legend)
        sizes = [int(v) for v in re.findall(rb'\bsz="(\d+)"', chart.part.blob)]
        assert sizes and min(sizes) >= 1200


def test_every_slide_text_is_at_least_12_pt_and_every_table_fits_its_slide(built):
    _, _, deck = built
    prs = Presentation(io.BytesIO(deck))
    bottom = Emu(prs.slide_height).inches
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = []
            if shape.has_table:
                frames = [c.text_frame for r in shape.table.rows for c in r.cells]
                assert Emu(shape.top).inches + table_inches(shape.table) <= bottom - 0.2, slide.shapes.title.text
            elif shape.has_text_frame and shape != slide.shapes.title and shape.is_placeholder is False:
                frames = [shape.text_frame]
            for run in (r for f in frames for para in f.paragraphs for r in para.runs):
                assert run.font.size is not None and run.font.size.pt >= 12, run.text


def table_inches(table) -> float:
    """A table's height as the real font lays its text out: each cell wrapped between words in its column."""
    font = ImageFont.truetype(FONT, 120)  # measured at 10× a 12 pt size, in tenths of a point
    total = 0.0
    for row in table.rows:
        lines = 1
        for cell, column in zip(row.cells, table.columns):
            room = (Emu(column.width).pt - Emu(cell.margin_left).pt - Emu(cell.margin_right).pt) * 10
            n, line = 1, 0.0
            for word in cell.text.split():
                w = font.getlength(word + " ")
                if line and line + w > room:
                    n, line = n + 1, 0.0
                line += w
            lines = max(lines, n)
        total += max(Emu(row.height).inches, (lines * 12 * 1.2 + 7.2) / 72)
    return total


def test_no_table_cell_is_cut_in_the_pdf(built):
    p, pdf, _ = built
    words = set(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    for item in p.items:
        if item.message is not None:  # on the « Non renseigné à ce jour » page
            continue
        table = item.grid.table if item.grid is not None else pack.figures_table(item)[0]
        cells = [str(c) for c in table.columns] + [str(v) for row in table.itertuples(index=False) for v in row]
        cut = [w for c in cells for w in c.split() if w not in words]
        assert not cut, f"{item.title}: {cut[:5]}"


def test_the_deck_is_proofed_in_french(built):
    _, _, deck = built
    with zipfile.ZipFile(io.BytesIO(deck)) as z:
        parts = {n: z.read(n) for n in z.namelist() if n.endswith(".xml")}
    assert not [n for n, xml in parts.items() if b'lang="en-US"' in xml]
    slides = [xml for n, xml in parts.items() if n.startswith("ppt/slides/slide")]
    assert all(b'lang="fr-FR"' in xml for xml in slides)


def test_the_batches_and_the_tables_read_as_words(built):
    p, pdf, deck = built
    prs = Presentation(io.BytesIO(deck))
    closing = next(sh.table for sh in prs.slides[-1].shapes if sh.has_table)
    named = {closing.cell(i, 1).text for i in range(1, len(closing.rows))}
    assert named <= {t.label for t in schema.TABLES.values()} and "Publics touchés" in named
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert not re.search(r"\bcriteria_assessments\b(?!\.csv)", text) and "Latitude" not in text  # a file keeps its name


def test_a_share_reads_as_a_percentage_on_a_slide():
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    share = export.Native("bar", False, ["Lycéens", "Apprentis"], [("Part des femmes", [0.4, 0.12], "#0072B2")], "0%")
    pack._chart(slide, share, Inches(0.5), Inches(1), Inches(9), Inches(5))
    xml = slide.shapes[0].chart.part.blob
    axis = re.search(rb"<c:valAx>.*?</c:valAx>", xml, re.S).group(0)
    assert b'formatCode="0%"' in axis and b'<c:min val="0.0"/>' in axis and b'<c:max val="1.0"/>' in axis
