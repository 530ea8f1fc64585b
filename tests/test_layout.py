"""The documents' one layout: line breaking keeps every word and every line fits its cell, whatever the text; a
table's announced height is the height it draws (the pack decides from it whether a chart's figures fit under it);
figures are aligned right, coloured cells keep their colour."""
from __future__ import annotations

import pandas as pd
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from cmq.outputs import layout

MEASURE = layout.Measure()
WORDS = st.text(alphabet=st.characters(codec="latin-1", exclude_categories=("Cc", "Zs")) | st.sampled_from("€«»’œ"),
                min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(WORDS, max_size=40), room=st.floats(min_value=5, max_value=120))
def test_lines_keep_every_word_and_fit_the_cell(words, room):
    text = " ".join(words)
    lines = MEASURE.lines(text, room)
    assert "".join("".join(lines).split()) == "".join(text.split()), "nothing lost, nothing added"
    for line in lines:
        assert MEASURE.mm(line) <= room + 1e-6 or len(line) == 1, (line, room)


def test_a_newline_in_a_cell_starts_a_line():
    assert MEASURE.lines("Acquis\n90 000 €", 100) == ["Acquis", "90 000 €"]


def table(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"Financeur": [f"Région Bourgogne-Franche-Comté, ligne {i} dont le libellé est long" * (i % 3 + 1)
                                       for i in range(rows)],
                         "Montant": [f"{1000 * i:,} €".replace(",", "\u202f") for i in range(rows)],
                         "Part": [f"{i} %" for i in range(rows)]})


def test_a_tables_height_is_the_height_it_draws():
    doc = FPDF(orientation="L", format="A4")
    layout.pdf_setup(doc, "essai")
    writer = layout.PdfTable(doc, 273)
    for rows in (0, 1, 7, 20):
        doc.add_page()
        top = doc.get_y()
        df = table(rows)
        writer.draw(df)
        assert doc.page_no() == len(doc.pages) and abs((doc.get_y() - top) - writer.height(df)) < 0.01, rows


def test_figures_are_found_and_aligned_right():
    df = table(4).assign(Commentaire=["oui", "non", "", "≈ 50"])
    assert layout.figure_columns(df) == ["Montant", "Part"]
    assert layout.figure_columns(pd.DataFrame({"Nombre": ["≈ 50", "12", "non renseigné"]})) == ["Nombre"]
