"""The annual activity report: the 2018 region report written from the demo store says, campus by campus, what the 2018
report of the six campuses says (figures read from ../shared/seeds/004_*.txt by hand, written below), in a Word
document with real headings, a real table of contents field, real tables and the coordinator's placeholders, and in
a PDF with the same content."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from cmq.outputs import report
from cmq.outputs.export import ExportError

from conftest import app_test, cli, frame

CAMPUSES = ["AGT", "AMF", "ITIP", "MMA", "MSI", "TI"]  # the report's order (chapter 3)


def plain(text: str) -> str:
    """Spaces as one ASCII space (French formats use narrow no-break spaces)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


@pytest.fixture(scope="module")
def region(demo_store):
    r = report.build_from_store(demo_store, "region", 2018)
    return r, report.render(r, "docx"), report.render(r, "pdf")


@pytest.fixture(scope="module")
def word(region):
    return Document(io.BytesIO(region[1]))


def chapters(doc) -> dict[str, list]:
    """The body of the Word document cut at each Heading 1: heading text → its paragraphs and tables, in order."""
    out, current = {}, None
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            style = el.find(qn("w:pPr"))
            name = style.find(qn("w:pStyle")).get(qn("w:val")) if style is not None and style.find(qn("w:pStyle")) is not None else ""
            text = "".join(t.text or "" for t in el.iter(qn("w:t")))
            if name == "Heading1":
                current = out.setdefault(text, [])
                continue
            if current is not None:
                current.append(("p", name, text))
        elif el.tag == qn("w:tbl") and current is not None:
            rows = [[plain("".join(t.text or "" for t in tc.iter(qn("w:t")))) for tc in tr.iter(qn("w:tc"))]
                    for tr in el.iter(qn("w:tr"))]
            current.append(("table", rows[0], rows[1:]))
    return out


def rows_of(chapter, first_column: str) -> list[dict]:
    """The rows of the chapter's tables whose first column is `first_column`, as dicts."""
    return [dict(zip(head, r)) for kind, head, *rest in chapter if kind == "table" and head[0] == first_column
            for r in rest[0]]


def chapter_of(word, code: str):
    return next(body for title, body in chapters(word).items() if title.endswith(f"({code})"))


def test_the_word_document_has_headings_a_table_of_contents_and_placeholders(word):
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    level1 = [t for s, t in headings if s == "Heading 1"]
    assert level1[0] == "Synthèse" and level1[-1] == "Annexes"
    assert [t.rsplit("(", 1)[1].rstrip(")") for t in level1[1:-1]] == CAMPUSES, "one chapter per campus, in order"
    assert level1[1] == "CMQ Alimentation, Goût, Tourisme (AGT)"
    level2 = [t for s, t in headings if s == "Heading 2"]
    for part in ("Identité", "Financements", "Actions par objectif stratégique", "Publics touchés", "Indicateurs",
                 "Positionnement sur les critères de labellisation"):
        assert level2.count(part) == 6 + (part == "Financements"), part  # the summary has its own
    assert {"A. Arbres d'objectifs", "B. Matrice actions × objectifs stratégiques", "C. Partenaires par type",
            "D. Origine des chiffres : les lots d'import"} <= set(level2)
    instructions = [t.text for t in word.element.body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC \\o") for i in instructions), "a real Word table of contents field"
    assert word.settings.element.find(qn("w:updateFields")) is not None, "Word fills it when the file opens"
    todo = [p for p in word.paragraphs if p.style.name == report.TODO]
    assert len(todo) >= 1 + 2 * 6 and all(p.text.startswith("À compléter") for p in todo)
    assert word.styles[report.TODO].font.highlight_color is not None, "the placeholders are visible"
    assert word.core_properties.language == "fr-FR"
    pictures = word.inline_shapes
    assert len(pictures) == len(report.SUMMARY_FIGURES), "the summary's charts, as pictures"
    assert all(s.width > 0 and s._inline.docPr.get("descr") for s in pictures), "each picture says what it shows"


def test_the_funding_of_each_campus_is_the_report_s(word):
    """§2.1: the Région gives 15 K€ to every campus in 2018; PMA 15 K€ to AMF in 2018 (30 K€ in 2017); UBFC 20 K€ to
    ITIP; Dijon Métropole (AGT) and the Communauté Urbaine Creusot Montceau (ITIP) give without an amount said; the
    rectorats pay the operational directors, amount not given."""
    for code in CAMPUSES:
        lines = {r["Financeur"]: r for r in rows_of(chapter_of(word, code), "Financeur")}
        assert lines["Région Bourgogne-Franche-Comté"]["Montant"] == "15 000 €", code
        assert lines["Rectorats de Besançon et de Dijon"]["Montant"] == "non renseigné", code
        assert lines["Rectorats de Besançon et de Dijon"]["Nature"] == "Poste", code
    assert {r["Financeur"]: r["Montant"] for r in rows_of(chapter_of(word, "AMF"), "Financeur")}[
        "Pays de Montbéliard Agglomération"] == "15 000 €"
    itip = {r["Financeur"]: r["Montant"] for r in rows_of(chapter_of(word, "ITIP"), "Financeur")}
    assert itip["UBFC (RITM-BFC)"] == "20 000 €" and itip["Communauté Urbaine Creusot Montceau"] == "non renseigné"
    assert {r["Financeur"]: r["Montant"] for r in rows_of(chapter_of(word, "AGT"), "Financeur")}[
        "Dijon Métropole"] == "non renseigné"
    said = " ".join(text for kind, _, text in chapter_of(word, "AGT") if kind == "p")
    assert "Coût par personne touchée en 2018 : au moins 128 €" in plain(said), "unknown amounts never count as 0"


def test_the_people_reached_are_the_report_s_with_its_words_for_approximate_counts(word):
    """§3.1 and its note 1: the operational director met 31 vocational schools, 6 CFA, 7 inspectors; the work was shown
    to « une cinquantaine d'enseignants »; « plus d'une soixantaine » at the general assembly; ITIP: « une trentaine
    de chefs d'entreprise »; MSI: « une douzaine d'élèves »."""
    agt = {(r["Public"], r["Précision"]): r["Nombre"] for r in rows_of(chapter_of(word, "AGT"), "Action")
           if "Public" in r}
    assert agt[("Établissements (structures)", "lycées professionnels et agricoles")] == "31"
    assert agt[("Établissements (structures)", "CFA")] == "6"
    assert agt[("Inspecteurs et personnels de direction de l'éducation", "inspecteurs académiques")] == "7"
    assert "une cinquantaine" in agt.values() and "une soixantaine" in agt.values()
    assert "une trentaine" in [r.get("Nombre") for r in rows_of(chapter_of(word, "ITIP"), "Action")]
    assert "une douzaine" in [r.get("Nombre") for r in rows_of(chapter_of(word, "MSI"), "Action")]


def test_labels_years_and_criteria_are_the_report_s(word):
    """Résumé: AMF labelled in 2016, the five others in 2017. §4.1: governance (criterion 4) is already beyond what is
    required, for every campus; international (criterion 10) is « une très grande marge de progrès »."""
    for code in CAMPUSES:
        chapter = chapter_of(word, code)
        identity = {r["Rubrique"]: r["Valeur"] for r in rows_of(chapter, "Rubrique")}
        assert identity["Label"] == f"Standard, labellisé en {2016 if code == 'AMF' else 2017}", code
        criteria = {r["Critère"].split(".")[0]: r for r in rows_of(chapter, "Critère")}
        assert len(criteria) == 11
        assert criteria["4"]["Niveau"] == "3 / 3" and criteria["4"]["Fondement"] == "énoncé par la source", code
        assert "au-delà des exigences" in criteria["4"]["Commentaire"]
        assert criteria["10"]["Niveau"] == "0 / 3", code
    assert {r["Rubrique"]: r["Valeur"] for r in rows_of(chapter_of(word, "AGT"), "Rubrique")}["Structure porteuse"] \
        .startswith("GIP Créativ'21")


def test_the_summary_and_the_annexes(word):
    body = chapters(word)
    summary = " ".join(text for kind, _, text in body["Synthèse"] if kind == "p")
    assert "6 campus · 110 actions en 2018" in plain(summary) and "514 personnes et 291 structures" in plain(summary)
    assert "17 ligne(s) de financement dont le montant n'est pas connu" in plain(summary)
    status = {r["Campus"]: r for r in rows_of(body["Synthèse"], "Campus") if "Total" in r}
    assert sum(int(r["Total"]) for r in status.values()) == 110
    annexes = body["Annexes"]
    trees = [text for kind, style, text in annexes if kind == "p" and style == "ListBullet"]
    assert any(t.startswith("AGT-S1 · Lancement et pilotage du Campus") for t in trees)
    matrix = rows_of(annexes, "Action")
    assert any(r["Action"].startswith("AGT-A01") and r.get("S1") == "×" for r in matrix)
    partners = rows_of(annexes, "Type")
    assert any("Lycée Le Castel" in r["Partenaires"] for r in partners)
    lots = rows_of(annexes, "Lot")
    assert {r["Fichier"] for r in lots} >= {"funding.csv", "reach.csv", "criteria_assessments.csv"}
    assert {r["Compte"] for r in lots} == {"admin"}, "the lineage names who imported each file"


def test_the_pdf_says_the_same_on_a4_portrait_with_bookmarks(region):
    r, _, data = region
    pdf = PdfReader(io.BytesIO(data))
    width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842), "A4 portrait"
    text = plain(" ".join(page.extract_text() for page in pdf.pages))
    for said in ("Rapport d'activité 2018", "Table des matières", "CMQ Automobile et Mobilités du Futur (Mobicampus) (AMF)",
                 "Standard, labellisé en 2016", "Pays de Montbéliard Agglomération", "une cinquantaine",
                 "au moins 128 €", "À compléter", "Origine des chiffres"):
        assert said in text, said
    contents = pdf.pages[1].extract_text().splitlines()
    for code in CAMPUSES:  # the contents send to the page the chapter is on
        said = int(next(line for line in contents if line.rstrip(" 0123456789").endswith(f"({code})")).split()[-1])
        starts = [i + 1 for i, page in enumerate(pdf.pages)
                  if i > 1 and f"({code})" in " ".join(page.extract_text().split("\n")[:2])]  # a title may wrap
        assert said == starts[0], code
    titles = [o.title for o in pdf.outline if not isinstance(o, list)]
    assert titles[0] == "Synthèse" and len([t for t in titles if t.startswith("CMQ ")]) == 6


def test_a_campus_report_from_the_command_line_and_french_errors(data_dir, tmp_path):
    out = tmp_path / "agt.docx"
    run = cli("report", "--scope", "AGT", "--year", "2018", "--format", "docx", "--out", str(out), data_dir=data_dir)
    assert run.returncode == 0 and "Rapport d'activité écrit" in run.stdout, run.stderr
    doc = Document(str(out))
    level1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["Synthèse", "CMQ Alimentation, Goût, Tourisme (AGT)", "Annexes"]
    wrong = cli("report", "--scope", "XYZ", "--year", "2018", "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
                data_dir=data_dir)
    assert wrong.returncode == 1 and "Campus inconnu : « XYZ »" in wrong.stderr and not (tmp_path / "x.pdf").exists()
    with pytest.raises(ExportError, match="Aucune donnée pour l'année 1990"):
        report.build(lambda name, **p: __import__("cmq.core.queries", fromlist=["run"]).run(
            name, store=__import__("cmq.core.store", fromlist=["Store"]).Store(data_dir), **p), "region", 1990)


def test_the_report_page_and_the_cost_per_person_on_the_funding_page(data_dir):
    at = app_test().run()
    at.switch_page("cmq/app/pages/report.py").run()
    assert not at.exception and at.title[0].value == "Rapport annuel"
    assert at.selectbox(key="report_scope").value == "region" and at.selectbox(key="report_year").value == 2018
    at.switch_page("cmq/app/pages/funding.py").run()
    assert not at.exception
    cost = frame(at, "Coût par personne touchée")
    by_campus = dict(zip(cost["Campus"], cost["Coût par personne touchée"].map(plain)))
    assert by_campus["AGT – Alimentation, Goût, Tourisme"] == "au moins 128 €"
    assert by_campus["TI – Territoire Intelligent"] == "non calculable", "nobody reached: not computed, not 0 €"
    assert any("jamais comptés comme 0" in c.value for c in at.caption)


def test_documents_of_a_thin_year_hold_together(store_copy):
    """A 2019 campaign where only AGT is validated, with two figures: the pack gives no page of one sentence (what has
    nothing to show is listed once, « Non renseigné à ce jour »), its contents stay on its first page; the report's
    contents are followed by its summary (no blank page), its plan, title and chapters agree (six campuses, five of
    one line), its summary writes no zero for « not reported »; the 2018 pack lists no 2019 batch."""
    from datetime import date

    from cmq.core import ingest, queries
    from cmq.outputs import pack

    store_copy.open_campaign(2019, date(2027, 1, 31), user="admin",
                             campuses=store_copy.current("campuses")["campus_id"].tolist())
    ingest.import_bytes(store_copy, "indicator_values", "Code campus;Identifiant indicateur;Année;Valeur\n"
                        "AGT;AGT-I01;2019;12\nAGT;AGT-I04;2019;3\n".encode(), "v.csv", user="directeur-agt")
    store_copy.campaign_step("submit", 2019, "AGT", user="directeur-agt")
    store_copy.campaign_step("validate", 2019, "AGT", user="admin")
    thin = pack.build_from_store(store_copy, "region", 2019)
    assert {i.title for i in thin.missing} >= {"Publics touchés", "Actions par statut"}
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pack.render(thin, "pdf"))).pages]
    assert pages[1].startswith("Carte des campus\n"), "the contents hold on the title page"
    alone = [p.split("\n")[0] for p in pages if len(p.split("\n")) <= 3]
    assert alone == [], f"pages of one sentence: {alone}"
    missing = next(p for p in pages if p.startswith("Non renseigné à ce jour\n"))
    assert "Publics touchés : Aucun public touché n'est renseigné" in missing
    assert f"Non renseigné à ce jour ({len(thin.missing)} figure(s))" in pages[0]
    r = report.build_from_store(store_copy, "region", 2019, charts=False)
    chapters = [b.text for b in r.blocks if b.kind == "heading" and b.level == 1]
    assert len([c for c in chapters if c.startswith("CMQ ")]) == 6 and "6 campus" in r.scope_title
    said = " ".join(b.text for b in r.blocks if b.kind == "text")
    assert "Les chiffres 2019 de MSI ne sont pas encore validés dans la campagne 2019" in said
    assert "aucune action renseignée pour 2019 · aucun public touché renseigné" in said and "0 actions" not in said
    def run(name, **params):
        return queries.run(name, store=store_copy, **params)

    plan = report.plan(run, pack.scope_of(run, "region", 2019, store_copy.campaigns()[2019]))
    assert [t for t, _ in plan][1:-1] == [c for c in chapters if c.startswith("CMQ ")]
    assert dict(plan)["CMQ Microtechniques et Systèmes Intelligents (MSI)"] == "une ligne : chiffres 2019 pas encore validés"
    pdf = PdfReader(io.BytesIO(report.render(r, "pdf"))).pages
    blank = [i + 1 for i, p in enumerate(pdf) if len(p.extract_text().strip().split("\n")) <= 1]
    assert blank == [], f"blank pages: {blank}"
    old = pack.build_from_store(store_copy, "region", 2018)
    new_batch = int(store_copy.read("select max(batch_id) as b from batches", build=False)["b"].iloc[0])
    assert new_batch in set(thin.batches["batch_id"]) and new_batch not in set(old.batches["batch_id"]), \
        "the 2018 pack's lineage lists no 2019 batch"
