"""The annual activity report « Rapport d'activité », written from the store in the shape of the 2018 report: a title
page, a table of contents, a summary with the headline figures, one chapter per campus (identity, funding and the cost
per person reached, actions by strategic objective, people reached, indicators, the labelling criteria), then the
annexes (objective trees, the actions × objectives matrix, partners by type, the import batches every figure comes
from). One model (a list of blocks), two renderings: an editable Word document (python-docx: real headings, a real
table of contents field, real tables) and an A4 portrait PDF (fpdf2, as the meeting pack). Every chapter has a
paragraph « À compléter » in a visible style for the coordinator's own prose. A document of several regions is the
national synthesis instead (synthesis.py: one chapter per region), on the same model (blocks.py) and renderings."""
from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

import pandas as pd
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from fpdf import FPDF

from cmq.core import fmt, queries, vocabulary
from cmq.core.filters import Filters
from cmq.outputs import export, layout, pack, synthesis, tables
from cmq.outputs.blocks import NONE, TODO, Block, Report, funders_table, headline, reach_table, status_table, table
from cmq.outputs.blocks import file_name as file_name  # the page names the files it offers
from cmq.outputs.export import ExportError
from cmq.outputs.registry import FIGURES

FORMATS = ("docx", "pdf")
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
SUMMARY_FIGURES = ("publics-touches", "actions-par-statut", "financements")  # charts of the summary (with their data)


# ---------------------------------------------------------------- the model, from the store
def build(run, scope: str, year: int, campaign: dict | None = None, charts: bool = True) -> Report:
    """Every block of the report of `scope` (region or a campus code) for `year`. `run(name, **params)` is the read
    path; with the year's `campaign`, only its validated campuses' figures (as the meeting pack)."""
    s = pack.scope_of(run, scope, year, campaign)
    if s.national:  # several regions: the national synthesis, one chapter per region
        return synthesis.build(run, s, campaign, charts)
    ctx = s.ctx
    chosen = ctx.params(("campuses",))["campuses"]
    campuses = s.campuses if chosen is None else s.campuses[s.campuses["campus_id"].isin(chosen)]
    names = dict(zip(s.campuses["campus_id"], s.campuses["name"]))
    parts = _by_campus(run, chosen, year)
    batches = run("pack_batches", campuses=chosen, until=year)
    blocks = _summary(run, ctx, campuses, parts["cost"].rows, names, charts)
    for c, state in _chapters(s, reported(run, s)):
        rows = {name: part.of(c["campus_id"]) for name, part in parts.items()}
        blocks += _chapter(rows, c, year) if state == "full" else _short_chapter(c, year, state)
    blocks += _annexes(campuses, parts, batches)
    last = batches["committed_at"].max() if not batches.empty else None
    return Report(scope, s.title, year, fmt.local_day(last), s.figures, blocks, committee=s.committee)


def build_from_store(store, scope: str, year: int, charts: bool = True) -> Report:
    con = store.connect()
    try:
        return build(lambda name, **p: queries.run(name, con=con, **p), scope, year,
                     store.campaigns().get(int(year)), charts=charts)
    finally:
        con.close()


def _summary(run, ctx: Filters, campuses: pd.DataFrame, cost: pd.DataFrame, names: dict, charts: bool) -> list[Block]:
    year, chosen = ctx.year, ctx.params(("campuses",))["campuses"]
    k = run("overview_kpis", year=year, campuses=chosen).iloc[0]
    out = [Block("heading", "Synthèse", 1),
           Block("text", headline(k, year)),
           Block("todo", f"{TODO} : les faits marquants de l'année, en quelques lignes.")]
    status = run("actions_by_status", year=year, campuses=chosen)
    out += [Block("heading", "Actions par statut", 2), table(status_table(status, campuses), numeric=True)]
    reach = run("reach_by_audience", year=year, campuses=chosen)
    out += [Block("heading", "Personnes et structures touchées", 2), table(*reach_table(reach))]
    funders = run("funding_by_funder", year=year, campuses=chosen)
    unknown = run("funding_unknown", year=year, campuses=chosen)
    out += [Block("heading", "Financements", 2),
            table(funders_table(funders), numeric=("Campus", "Acquis (montants connus)", "Prévus ou demandés",
                                                     "Lignes sans montant"))]
    if not unknown.empty:
        out += [Block("text", "Lignes de financement dont le montant n'est pas connu :"),
                table(tables.funding_unknown(unknown).drop(columns=["Montant"]))]
    out += [Block("heading", "Coût par personne touchée", 2),
            table(tables.cost_per_person(cost, names), numeric=("Coût par personne touchée", "Financements acquis connus",
                                                                 "Financements acquis sans montant", "Personnes touchées")),
            Block("text", tables.COST_CAPTION)]
    if charts:
        out += [Block("heading", "Graphiques", 2)]
        for name in SUMMARY_FIGURES:
            fig_def = FIGURES[name]
            data = run(fig_def.query, **fig_def.params(ctx))
            item = pack.Item(fig_def, ctx, data, fig_def.chart(data, ctx))
            if item.message is not None:
                out.append(Block("text", f"{item.title} : {item.message}"))
                continue
            figures, _ = pack.figures_table(item)
            out.append(Block("figure", " ".join([f"{item.title} — {item.caption}.", *export.notes_of(item.fig)]),
                             png=item.png(), table=figures,
                             numeric=tuple(figures.columns[1:])))
    return out


CHAPTER_QUERIES = {  # what a campus chapter and the annexes read: each query once for every campus, then split
    "funding": ("funding_rows", lambda chosen, year: {"year": year, "campuses": chosen}),
    "cost": ("cost_per_person", lambda chosen, year: {"year": year, "campuses": chosen}),
    "actions": ("action_strategic_objectives", lambda chosen, year: {"year": year, "campuses": chosen}),
    "reach": ("reach_rows", lambda chosen, year: {"year": year, "campuses": chosen}),
    "iptt": ("iptt", lambda chosen, year: {"campus": None, "campuses": chosen, "indicator": None, "year": year}),
    "criteria": ("criteria_grid", lambda chosen, year: {"year": year, "campuses": chosen}),
    "outline": ("objective_outline", lambda chosen, year: {"year": year, "campuses": chosen}),
    "partners": ("campus_partners_by_type", lambda chosen, year: {"campuses": chosen}),
}
class _Split:
    """A query's rows split by campus: `of(code)` is one campus's rows (none: no row, with the same columns)."""

    def __init__(self, rows: pd.DataFrame):
        self.rows, self.empty = rows, rows.iloc[0:0]
        self.groups = dict(iter(rows.groupby("campus_id", sort=False)))  # (campus, rows) pairs

    def of(self, code: str) -> pd.DataFrame:
        return self.groups.get(code, self.empty)


def _by_campus(run, chosen: list[str] | None, year: int) -> dict[str, _Split]:
    """Each chapter query run once for all the chosen campuses, its rows split by campus (a national report asks eight
    queries, not eight per campus)."""
    return {name: _Split(run(query, **params(chosen, year))) for name, (query, params) in CHAPTER_QUERIES.items()}


def _chapters(s: pack.Scope, reported: set[str]) -> list[tuple[dict, str]]:
    """Every campus of the scope, in the order of the report, with what its chapter holds: "full", or one line —
    "draft" (the year's campaign has not validated its figures) or "empty" (no figure for the year)."""
    pool = s.campuses if pack.is_many(s.scope) else s.campuses[s.campuses["campus_id"] == s.scope]
    chosen = s.ctx.params(("campuses",))["campuses"]
    return [(c, "draft" if chosen is not None and c["campus_id"] not in chosen else
             "full" if c["campus_id"] in reported else "empty") for c in pool.to_dict("records")]


def _short_chapter(c: dict, year: int, state: str) -> list[Block]:
    code = c["campus_id"]
    said = (f"Les chiffres {year} {fmt.of(code)} ne sont pas encore validés dans la campagne {year} : ils ne figurent pas "
            "dans ce rapport." if state == "draft" else
            f"Aucun chiffre {year} n'est renseigné pour {code} (ni financement, ni action, ni public touché, ni valeur "
            "d'indicateur, ni positionnement sur les critères).")
    return [Block("heading", f"CMQ {c['name']} ({code})", 1, flows=True), Block("text", said)]


def reported(run, s: pack.Scope) -> set[str]:
    """The campuses of the scope's figures with at least one figure for its year."""
    return set(run("campuses_with_figures", year=s.year, **s.ctx.params(("campuses",)))["campus_id"])


def plan(run, s: pack.Scope) -> list[tuple[str, str]]:
    """The report's parts as its contents will list them (title, what it holds), for the page that offers it."""
    if s.national:
        return synthesis.plan(s)
    lines = [("Synthèse", "chiffres clés, actions par statut, publics touchés, financements, coût par personne touchée, "
                          "graphiques" + (f" ({s.figures})" if s.figures else ""))]
    for c, state in _chapters(s, reported(run, s)):
        lines.append((f"CMQ {c['name']} ({c['campus_id']})",
                      "identité, financements, actions par objectif stratégique, publics touchés, indicateurs, critères "
                      "de labellisation" if state == "full" else
                      f"une ligne : chiffres {s.year} pas encore validés" if state == "draft" else
                      f"une ligne : aucun chiffre {s.year}"))
    lines.append(("Annexes", "arbres d'objectifs, matrice actions × objectifs stratégiques, partenaires par type, lots "
                             "d'import dont viennent les chiffres"))
    return lines


def _chapter(rows: dict[str, pd.DataFrame], c: dict, year: int) -> list[Block]:
    code = c["campus_id"]
    out = [Block("heading", f"CMQ {c['name']} ({code})", 1), Block("heading", "Identité", 2),
           table(pd.DataFrame([
               ("Filière", c["sector"] or NONE),
               ("Label", f"{vocabulary.LABELS.get(c['label'], c['label'] or NONE)}, labellisé en "
                         f"{int(c['labelled_year'])}" if not fmt.missing(c["labelled_year"]) else
                         vocabulary.LABELS.get(c["label"], c["label"] or NONE)),
               ("Structure porteuse", f"{c['carrier'] or NONE}"
                + (f" ({vocabulary.CARRIER_TYPES.get(c['carrier_type'], c['carrier_type'])})" if c["carrier_type"] else "")),
               ("Ville", c["city"] or NONE),
               ("Académie et région", f"académie de {c['academie'] or NONE}, {c['region'] or NONE}"),
           ], columns=["Rubrique", "Valeur"]))]
    out.append(Block("todo", f"{TODO} : la stratégie et la gouvernance du campus en {year}."))

    funding = rows["funding"]
    out += [Block("heading", "Financements", 2)]
    if funding.empty:
        out.append(Block("text", f"Aucune ligne de financement pour {year}."))
    else:
        out.append(table(pd.DataFrame({
            "Financeur": funding["funder"], "Programme": funding["programme"].fillna(""),
            "Nature": funding["kind"].map(vocabulary.FUNDING_KINDS).fillna(""),
            "Statut": funding["status"].map(vocabulary.FUNDING_STATUSES).fillna(""),
            "Montant": funding["amount_eur"].map(lambda v: fmt.UNKNOWN if fmt.missing(v) else fmt.euros(v)),
        }), numeric=("Montant",)))
    mine = rows["cost"]
    if not mine.empty:
        r = mine.iloc[0]
        out.append(Block("text", f"Coût par personne touchée en {year} : {tables.cost_text(r)} "
                                 f"({fmt.euros(r['known_eur']) if not fmt.missing(r['known_eur']) else 'aucun montant connu'}"
                                 f" ÷ {fmt.number(r['people'])} personne(s) touchée(s)"
                                 + (f" ; {fmt.number(r['lines_amount_unknown'])} financement(s) acquis sans montant"
                                    if r["lines_amount_unknown"] else "") + ")."))

    actions = _placed(rows["actions"])
    out += [Block("heading", "Actions par objectif stratégique", 2)]
    if actions.empty:
        out.append(Block("text", f"Aucune action enregistrée pour {year}."))
    for (sid, title), group in actions.groupby([actions["strategic_id"].fillna(""),
                                                actions["strategic_title"].fillna("")], sort=False):
        out.append(Block("heading", f"{sid} · {title}" if sid else "Actions sans objectif du campus rattaché", 3))
        out.append(table(pd.DataFrame({
            "Action": group["action_id"] + " · " + group["title"],
            "Statut": group["status"].map(vocabulary.STATUSES).fillna(""),
            "Début": group["start_date"].map(_day), "Fin": group["end_date"].map(_day),
        })))

    reach = rows["reach"]
    out += [Block("heading", "Publics touchés", 2)]
    if reach.empty:
        out.append(Block("text", f"Aucun chiffre de public touché pour {year}."))
    else:
        out.append(table(pd.DataFrame({
            "Action": reach["action_title"].fillna(""),
            "Public": reach["audience"].map(vocabulary.audience_label),
            "Précision": reach["detail"].fillna(""),
            "Nombre": [fmt.approximately(n) if a else fmt.number(n) for n, a in zip(reach["count"], reach["approximate"].fillna(False))],
            "Dont femmes": reach["women"].map(lambda v: "" if fmt.missing(v) else fmt.number(v)),
        }), numeric=("Nombre", "Dont femmes")))

    iptt = rows["iptt"]
    out += [Block("heading", "Indicateurs", 2)]
    shown = iptt[iptt["actual"].notna() | iptt["target"].notna() | iptt["comment"].notna()]
    total = iptt["indicator_id"].nunique()
    if shown.empty:
        out.append(Block("text", f"Aucun des {fmt.number(total)} indicateurs du plan n'est renseigné pour {year}."))
    else:
        out.append(Block("text", f"{fmt.number(shown['indicator_id'].nunique())} indicateur(s) renseigné(s) pour {year} "
                                 f"sur les {fmt.number(total)} du plan d'actions."))
        out.append(table(pd.DataFrame({
            "Indicateur": shown["indicator_id"] + " · " + shown["name"],
            "Valeur": [tables.figure(u, v) for u, v in zip(shown["unit"], shown["actual"])],
            "Cible": [tables.figure(u, v) for u, v in zip(shown["unit"], shown["target"])],
            "État": shown["status"].map(vocabulary.INDICATOR_STATUS_WORDS).fillna(""),
            "Commentaire": shown["comment"].fillna(""),
        }), numeric=("Valeur", "Cible")))

    criteria = rows["criteria"]
    out += [Block("heading", "Positionnement sur les critères de labellisation", 2)]
    assessed = criteria[criteria["level"].notna()]
    if assessed.empty:
        out.append(Block("text", f"Le campus ne s'est pas positionné sur les critères en {year}."))
    else:
        out.append(table(pd.DataFrame({
            "Critère": criteria["criterion_no"].astype(int).astype(str) + ". " + criteria["title"],
            "Niveau": criteria["level"].map(lambda v: NONE if fmt.missing(v) else f"{int(v)} / 3"),
            "Fondement": criteria["level_basis"].map(vocabulary.LEVEL_BASIS).fillna(""),
            "Commentaire": criteria["comment"].fillna(""),
        }), numeric=("Niveau",)))
    out.append(Block("todo", f"{TODO} : les résultats observables, les enseignements et les points de vigilance."))
    return out


def _annexes(campuses: pd.DataFrame, parts: dict, batches: pd.DataFrame) -> list[Block]:
    out = [Block("heading", "Annexes", 1), Block("heading", "A. Arbres d'objectifs", 2)]
    for code in campuses["campus_id"]:
        out += [Block("heading", f"{code}", 3),
                Block("tree", items=_tree_items(parts["outline"].of(code)))]
    out.append(Block("heading", "B. Matrice actions × objectifs stratégiques", 2))
    for code in campuses["campus_id"]:
        links = _placed(parts["actions"].of(code))
        out.append(Block("heading", f"{code}", 3))
        if links.empty:
            out.append(Block("text", "Aucune action."))
            continue
        matrix, legend = _matrix(links)
        out += [table(matrix), Block("text", " · ".join(f"{k} : {v}" for k, v in legend.items()))]
    out.append(Block("heading", "C. Partenaires par type", 2))
    for code in campuses["campus_id"]:
        group = parts["partners"].of(code)
        if group.empty:
            continue
        out += [Block("heading", f"{code}", 3), table(pd.DataFrame({
            "Type": group["partner_type"].map(lambda t: vocabulary.PARTNER_TYPES.get(t, t or NONE)),
            "Nombre": group["partners"].map(fmt.number), "Partenaires": group["names"],
        }), numeric=("Nombre",))]
    out += [Block("heading", "D. Origine des chiffres : les lots d'import", 2),
            Block("text", "Chaque chiffre de ce rapport vient de l'un de ces lots (fichier importé, compte qui l'a "
                          "importé, date) ; l'historique complet est dans l'outil, page « Historique des imports »."),
            table(pd.DataFrame({
                "Lot": batches["batch_id"].map(str), "Table": batches["table_name"].map(_table_label),
                "Fichier": batches["file_name"].fillna(""), "Compte": batches["user_name"].fillna(""),
                "Date": batches["committed_at"].map(fmt.local_day), "Lignes utilisées": batches["rows_used"].map(fmt.number),
            }), numeric=("Lignes utilisées",))]
    return out


# ---------------------------------------------------------------- helpers of the model
def _day(d) -> str:
    return NONE if fmt.missing(d) else fmt.day(d)


def _table_label(name: str) -> str:
    from cmq.core import schema

    t = schema.TABLES.get(name)
    return t.label if t else name


def _placed(actions: pd.DataFrame) -> pd.DataFrame:
    """An action under each strategic objective of the campus it serves, and « without objective » only when it serves
    none of them."""
    placed = set(actions.loc[actions["strategic_id"].notna(), "action_id"])
    return actions[actions["strategic_id"].notna() | ~actions["action_id"].isin(placed)].drop_duplicates(
        ["action_id", "strategic_id"])


def _tree_items(tree: pd.DataFrame) -> list[tuple[int, str]]:
    """The objective tree as (depth, text) in reading order: each objective, its sub-objectives, then its indicators
    with the year's value."""
    children: dict = {}
    for r in tree.to_dict("records"):
        children.setdefault(None if fmt.missing(r["parent_id"]) else r["parent_id"], []).append(r)
    items: list[tuple[int, str]] = []

    def walk(parent, depth):
        for r in children.get(parent, []):  # the query's order: objectives by position, then indicators
            if r["kind"] in vocabulary.LEVELS:
                text = f"{r['node_id']} · {r['title']} ({vocabulary.LEVELS[r['kind']].lower()})"
            else:
                value = "" if fmt.missing(r["value"]) else f" : {tables.figure(r['unit'], r['value'])}"
                text = f"Indicateur {r['node_id']} · {r['title']}{value}"
            items.append((depth, text))
            walk(r["node_id"], depth + 1)

    walk(None, 0)
    return items


def _matrix(links: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Actions × strategic objectives, ticked « × », and the legend of the objective columns."""
    linked = links.dropna(subset=["strategic_id"])
    objectives = linked.drop_duplicates("strategic_id")
    short = {sid: sid.rsplit("-", 1)[-1] for sid in objectives["strategic_id"]}
    actions = links.drop_duplicates("action_id")
    pairs = set(zip(linked["action_id"], linked["strategic_id"]))
    table = pd.DataFrame({"Action": actions["action_id"] + " · " + actions["title"]})
    for sid in objectives["strategic_id"]:
        table[short[sid]] = ["×" if (a, sid) in pairs else "" for a in actions["action_id"]]
    return table, {short[r.strategic_id]: r.strategic_title for r in objectives.itertuples()}


# ---------------------------------------------------------------- renderings
def render(report: Report, kind: str) -> bytes:
    if kind not in FORMATS:
        raise ExportError(f"Format inconnu : « {kind} ». Formats possibles : {', '.join(FORMATS)}.")
    return {"docx": docx, "pdf": pdf}[kind](report)


def docx(report: Report) -> bytes:
    """An editable Word document: Word's own heading styles (navigation pane), a TOC field Word fills and updates,
    real tables with a repeated header row, charts as images with their caption and their figures as a table, and the
    placeholders in a style of their own (« À compléter », highlighted) that the coordinator replaces."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(10.5)
    for style in doc.styles:  # proofed in French
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            rpr = style.element.get_or_add_rPr()
            lang = rpr.find(qn("w:lang")) or OxmlElement("w:lang")
            lang.set(qn("w:val"), "fr-FR")
            rpr.append(lang)
    todo = doc.styles.add_style(TODO, WD_STYLE_TYPE.PARAGRAPH)
    todo.base_style = normal
    todo.font.italic, todo.font.highlight_color = True, WD_COLOR_INDEX.YELLOW
    todo.font.color.rgb = RGBColor(0x7A, 0x4B, 0x00)
    props = doc.core_properties
    props.title, props.subject = f"{report.title} · {report.scope_title}", "Campus des Métiers et des Qualifications"
    props.author, props.language = "Outil de pilotage des CMQ", "fr-FR"

    doc.add_paragraph(report.title, style="Title")
    for line in report.subtitle:
        doc.add_paragraph(line, style="Subtitle" if line == report.subtitle[1] else None)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("Table des matières", style="TOC Heading" if "TOC Heading" in doc.styles else "Heading 1")
    _toc_field(doc.add_paragraph())
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    width = section.page_width - section.left_margin - section.right_margin
    measure = layout.Measure().inches

    first_chapter = True
    for b in report.blocks:
        if b.kind == "heading":
            if b.level == 1 and not first_chapter and not b.flows:
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            first_chapter = False
            doc.add_heading(b.text, level=b.level)
        elif b.kind == "text":
            doc.add_paragraph(b.text)
        elif b.kind == "todo":
            doc.add_paragraph(b.text, style=TODO)
        elif b.kind == "tree":
            _docx_tree(doc, b.items)
        elif b.kind == "table":
            _docx_table(doc, b, measure)
        elif b.kind == "figure":
            picture = doc.add_picture(io.BytesIO(b.png), width=width)
            picture._inline.docPr.set("descr", b.text + " Les chiffres sont dans le tableau qui suit.")  # alt text
            doc.add_paragraph(b.text, style="Caption")
            _docx_table(doc, b, measure)
    settings = doc.settings.element  # Word fills the table of contents when the document opens
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _toc_field(paragraph) -> None:
    """A Word TOC field over headings 1 to 3, with hyperlinks; Word computes it (and F9 updates it)."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", 'TOC \\o "1-3" \\h \\z \\u'), ("separate", None),
                       ("text", "Clic droit puis « Mettre à jour les champs » (ou F9) pour afficher la table des matières."),
                       ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _docx_table(doc, b: Block, measure) -> None:
    """A Word table (style « Table Grid », full width, header row repeated on each page, figures aligned right), written
    as WordprocessingML in one piece: a national report holds tens of thousands of rows, which python-docx's cell by
    cell API writes in minutes. `measure(text)`: its width in inches (DejaVu Sans, the widest font an office suite
    falls back on, so that no word is cut whatever the reader's fonts)."""
    df = b.table
    right = [c in b.numeric for c in df.columns]
    # columns as wide as what they hold (a word is never cut), in twentieths of a point, over the page's 17 cm
    twips = [round(w * 1440) for w in layout.column_widths(df, DOCX_WIDTH_IN, layout.TABLE_PT, measure)]
    head = "".join(_docx_cell(str(c), w, False, bold=True, fill="E6E6E6") for c, w in zip(df.columns, twips))
    body = "".join("<w:tr>" + "".join(_docx_cell(str(v), w, r) for v, w, r in zip(values, twips, right)) + "</w:tr>"
                   for values in df.itertuples(index=False))
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
           '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
           'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
           + "".join(f'<w:gridCol w:w="{w}"/>' for w in twips) + '</w:tblGrid>'
           f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{body}</w:tbl>')
    doc.add_paragraph()._p.addprevious(parse_xml(xml))  # the table, then an empty paragraph after it


def _docx_cell(text: str, width: int, right: bool, bold: bool = False, fill: str | None = None) -> str:
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    properties = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}</w:tcPr>'
    align = '<w:jc w:val="right"/>' if right else ""
    return (f'<w:tc>{properties}<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{align}</w:pPr><w:r><w:rPr>'
            f'{"<w:b/>" if bold else ""}<w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">{escape(_xml_text(text))}'
            '</w:t></w:r></w:p></w:tc>')


def _docx_tree(doc, items: list[tuple[int, str]]) -> None:
    """An indented bulleted list (style « List Bullet », 0,63 cm per level), written in one piece."""
    paragraphs = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="ListBullet"/><w:spacing w:after="0"/><w:ind w:left="{360 * (depth + 1)}"/>'
        f'</w:pPr><w:r><w:t xml:space="preserve">{escape(_xml_text(text))}</w:t></w:r></w:p>' for depth, text in items)
    anchor = doc.add_paragraph()._p
    for p in parse_xml(f'<w:body {nsdecls("w")}>{paragraphs}</w:body>'):
        anchor.addprevious(p)
    anchor.getparent().remove(anchor)


def _xml_text(text: str) -> str:
    """Text as XML 1.0 allows it (a control character from an imported file would make the document unreadable)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


PDF_WIDTH = 186  # mm between the margins of an A4 portrait page
DOCX_WIDTH_IN = 17 / 2.54  # inches between the Word document's margins (2 cm each side of 21 cm)


def pdf(report: Report) -> bytes:
    """The same content as an A4 portrait PDF: a title page, the contents with page numbers, bookmarks for every
    heading, the same tables (wrapping, header repeated), charts full width with their figures below."""
    title = f"{report.title} · {report.scope_title}"

    class Doc(FPDF):
        def footer(self):
            if self.page_no() == 1:
                return
            self.set_y(-10)
            self.set_font("DejaVu", size=8)
            self.set_text_color(110)
            self.cell(0, 5, f"{title} · page {self.page_no()} / {{nb-pages}}", align="R")

    doc = Doc(orientation="P", format="A4")
    doc.alias_nb_pages("{nb-pages}")  # room for a five-digit page count
    layout.pdf_setup(doc, title)
    table = layout.PdfTable(doc, PDF_WIDTH)
    doc.add_page()
    doc.set_y(70)
    doc.set_font("DejaVu", "B", 28)
    doc.multi_cell(0, 14, report.title, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", size=14)
    for line in report.subtitle:
        doc.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    doc.add_page()
    doc.insert_toc_placeholder(_pdf_toc, pages=_toc_pages(sum(b.kind == "heading" and b.level <= 2 for b in report.blocks)))
    sizes = {1: 17, 2: 13, 3: 11}
    for b in report.blocks:
        if b.kind == "heading":
            fresh = doc.get_y() <= doc.t_margin + 1  # the page the contents leave, or one just opened
            if not fresh and (b.level == 1 and not b.flows or doc.get_y() > 250):
                doc.add_page()  # a chapter opens a page (a one-line chapter follows on), never leaving one blank
            doc.start_section(b.text, level=b.level - 1)
            doc.set_font("DejaVu", "B", sizes[b.level])
            doc.ln(2)
            doc.multi_cell(0, sizes[b.level] * 0.5, b.text, new_x="LMARGIN", new_y="NEXT")
            doc.ln(1)
        elif b.kind == "text":
            doc.set_font("DejaVu", size=10)
            doc.multi_cell(0, 5, b.text, new_x="LMARGIN", new_y="NEXT")
            doc.ln(1)
        elif b.kind == "todo":
            doc.set_font("DejaVu", size=10)
            doc.set_fill_color(255, 243, 176)
            doc.set_text_color(122, 75, 0)
            doc.multi_cell(0, 6, b.text, fill=True, border=1, new_x="LMARGIN", new_y="NEXT")
            doc.set_text_color(0)
            doc.set_fill_color(255)
            doc.ln(2)
        elif b.kind == "tree":
            doc.set_font("DejaVu", size=9)
            for depth, text in b.items:
                doc.set_x(doc.l_margin + 5 * depth)
                doc.multi_cell(PDF_WIDTH - 5 * depth, 4.6, "• " + text, new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "table":
            table.draw(b.table, b.numeric)
        elif b.kind == "figure":
            w_px, h_px = pack.pixels(b.png)
            h = PDF_WIDTH * h_px / w_px
            if doc.get_y() + h > 270:
                doc.add_page()
            doc.image(io.BytesIO(b.png), x=doc.l_margin, y=doc.get_y(), w=PDF_WIDTH, h=h)
            doc.set_y(doc.get_y() + h + 1)
            doc.set_font("DejaVu", size=8)
            doc.set_text_color(80)
            doc.multi_cell(0, 4, b.text, new_x="LMARGIN", new_y="NEXT")
            doc.set_text_color(0)
            table.draw(b.table, b.numeric)
    return bytes(doc.output())


TOC_LINE = 5.6  # mm: a line of the PDF's table of contents


def _toc_pages(lines: int) -> int:
    """The pages _pdf_toc takes for `lines` entries (fpdf2 reserves them before the content is laid out): its title,
    then lines of TOC_LINE mm from the top margin to the page-break line (A4: 297 mm, margins 12 and 14 mm)."""
    first, then = int((297 - 14 - 24) // TOC_LINE), int((297 - 14 - 12) // TOC_LINE)
    return 1 if lines <= first else 1 + -(-(lines - first) // then)


def _pdf_toc(doc, outline) -> None:
    doc.set_xy(doc.l_margin, doc.t_margin)
    doc.set_font("DejaVu", "B", 17)
    doc.cell(0, 10, "Table des matières", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    for section in outline:
        if section.level > 1:
            continue
        doc.set_font("DejaVu", "B" if section.level == 0 else "", 10 if section.level == 0 else 9)
        indent = 6 * section.level
        doc.set_x(doc.l_margin + indent)
        link = doc.add_link(page=section.page_number)
        doc.cell(PDF_WIDTH - indent - 14, TOC_LINE, fmt.short(section.name, 95), link=link)
        doc.cell(14, TOC_LINE, str(section.page_number), align="R", link=link, new_x="LMARGIN", new_y="NEXT")
