"""Import templates a director fills without hunting: the campus's own lines (every indicator, every criterion, the
year's actions…) under French headers, the titles beside the codes, drop-downs for every code and allowed value, a
year that is a year, and a « Mode d'emploi ». Filled in and sent back, a template imports cleanly."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cmq.core import fmt, schema
from cmq.outputs import export
from cmq.outputs.xlsx import workbook_bytes

TYPE_NAMES = {"text": "texte", "int": "nombre entier", "float": "nombre (virgule décimale)",
              "bool": "oui / non", "date": "date jj/mm/aaaa"}
# reference tables whose rows belong to one campus (a campus's template offers only its own codes)
_REF_CAMPUS = {"objectives", "indicators", "actions"}
# the column that names a referenced row, shown beside its code
_NAMED_BY = {"objectives": ("title", "Intitulé de l'objectif"), "indicators": ("name", "Intitulé de l'indicateur"),
             "actions": ("title", "Intitulé de l'action"), "partners": ("name", "Nom du partenaire"),
             "criteria": ("title", "Intitulé du critère")}
EXPECTED = {"oui_non": "oui ou non", "pourcentage": "un pourcentage, de 0 à 100", "euros": "un montant en euros",
            "nombre": "un nombre"}
INFO = " " + schema.FOR_INFORMATION
UNIT_INFO = "Unité" + INFO
EXPECTED_INFO = "Valeur attendue" + INFO
EXTRA_LINES = 300  # lines below the listed ones that keep the drop-downs, for the lines a director adds


@dataclass
class Layout:
    """What a template holds: its lines (contract columns by name, reader's columns by header) in file order."""

    table: schema.Table
    campus: str | None
    year: int | None
    rows: pd.DataFrame
    order: list[str]  # contract column names and reader's column headers, left to right
    units: pd.Series | None = None  # indicator_values: each line's unit (its drop-down and its expected value)


def columns_doc(table_name: str) -> pd.DataFrame:
    """One row per column: header, required, type, allowed values, help."""
    t = schema.table(table_name)
    rows = []
    for c in t.columns:
        allowed = ", ".join(schema.choice_label(c, k) for k in schema.choice_codes(c))
        if c.min is not None or c.max is not None:
            rng = f"de {c.min:g}" if c.min is not None else ""
            rng += (" à " if rng else "jusqu'à ") + f"{c.max:g}" if c.max is not None else ""
            allowed = (allowed + " ; " if allowed else "") + rng.strip()
        if c.ref:
            allowed = (allowed + " ; " if allowed else "") + f"un identifiant existant des {schema.table(c.ref[0]).label.lower()}"
        rows.append({"Colonne": c.header, "Obligatoire": "oui" if c.required else "non", "Type": TYPE_NAMES[c.type],
                     "Valeurs possibles": allowed, "Explication": c.help})
    return pd.DataFrame(rows)


def file_stem(table_name: str, campus: str | None, year: int | None) -> str:
    """A template's file name without its extension, in French: « modele_Valeurs-des-indicateurs_AGT_2019 »."""
    return ("modele_" + export.slug(schema.table(table_name).label) + (f"_{campus}" if campus else "")
            + (f"_{year}" if year else ""))


def default_year(store, table_name: str, campus: str | None = None) -> int | None:
    """The year a template (and the entry grid) opens on: the year of the latest open campaign the campus takes part
    in (what its director is asked for), else the campus's latest year in the table, else the table's, else this
    year."""
    t = schema.table(table_name)
    if "year" not in t.names:
        return None
    asked = [y for y, c in store.campaigns().items() if not c["closed_at"] and (campus is None or campus in c["campuses"])]
    if asked:
        return max(asked)
    rows = store.current(table_name)
    years = rows["year"].dropna()
    mine = rows.loc[rows["campus_id"] == campus, "year"].dropna() if campus and t.campus_column else years
    for found in (mine, years):
        if not found.empty:
            return int(found.max())
    return date.today().year


def _of_campus(rows: pd.DataFrame, campus: str | None) -> pd.DataFrame:
    return rows if not campus else rows[rows["campus_id"] == campus]


def layout(store, table_name: str, campus: str | None = None, year: int | None = None) -> Layout:
    """The lines of a template: every indicator (or criterion) of the campus for the year with what is already known,
    else the table's current lines for the campus and year, else one made-up line whose references exist."""
    t = schema.table(table_name)
    year = year or default_year(store, table_name, campus)
    current = store.current(table_name)[t.names]
    if campus and t.campus_column:
        current = current[current[t.campus_column] == campus]
    if "year" in t.names:
        current = current[current["year"] == year]
    units = None
    if table_name == "indicator_values":
        indicators = _of_campus(store.current("indicators"), campus).sort_values(["campus_id", "indicator_id"])
        rows = _every(indicators[["campus_id", "indicator_id"]], current, t, year)
        units = yes_no_units(store, rows)
        for name in ("value", "target"):  # a yes/no indicator reads oui / non, as the director writes it
            rows[name] = [("oui" if v else "non") if u == "oui_non" and v is not None and v == v else v
                          for v, u in zip(rows[name], units)]
    elif table_name == "criteria_assessments":
        campuses = _of_campus(store.current("campuses"), campus)["campus_id"]
        grid = pd.merge(campuses.to_frame(), store.current("criteria")[["criterion_no"]], how="cross")
        rows = _every(grid, current, t, year)
    elif not current.empty:
        rows = current.reset_index(drop=True)
    else:
        rows = pd.DataFrame([_synthetic(store, t, campus, year)], columns=t.names)
    rows = rows.astype(object).where(rows.notna(), None)
    rows, order = titled(store, t, rows, INFO)
    if units is not None:
        rows[UNIT_INFO] = units.map(lambda u: schema.UNITS.get(u, u)).tolist()
        rows[EXPECTED_INFO] = units.map(lambda u: EXPECTED.get(u, "")).tolist()
        at = order.index("indicator_id") + 2
        order[at:at] = [UNIT_INFO, EXPECTED_INFO]
    return Layout(t, campus, year, rows, order, None if units is None else units.reset_index(drop=True))


def titled(store, t: schema.Table, rows: pd.DataFrame, suffix: str = "") -> tuple[pd.DataFrame, list[str]]:
    """The rows with the title of each referenced row beside its code (« Intitulé de l'indicateur » after
    « Identifiant indicateur »), and the columns in that order."""
    order = list(rows.columns)
    for c in t.columns:
        if c.ref and c.ref[0] in _NAMED_BY and c.name in order:
            column, header = _NAMED_BY[c.ref[0]]
            ref = store.current(c.ref[0])
            rows = rows.assign(**{header + suffix: rows[c.name].map(dict(zip(ref[c.ref[1]], ref[column])))})
            order.insert(order.index(c.name) + 1, header + suffix)
    return rows, order


def yes_no_units(store, rows: pd.DataFrame) -> pd.Series:
    """Each row's indicator unit (rows of indicator values)."""
    ind = store.current("indicators")
    return rows["indicator_id"].map(dict(zip(ind["indicator_id"], ind["unit"])))


def _every(grid: pd.DataFrame, current: pd.DataFrame, t: schema.Table, year: int) -> pd.DataFrame:
    """One line per row of `grid` (every indicator, every campus × criterion) for the year, with what is known."""
    on = list(grid.columns)
    rows = grid.assign(year=year).merge(current.drop(columns=["year"]), on=on, how="left")
    return rows[t.names].reset_index(drop=True)


def _synthetic(store, t: schema.Table, campus: str | None, year: int | None) -> dict:
    """One made-up row whose references exist in the store."""
    campuses = store.current("campuses")["campus_id"].tolist()
    campus = campus or (campuses[0] if campuses else "CAMPUS")
    row = {}
    for c in t.columns:
        if c.name == "campus_id":
            row[c.name] = campus
        elif c.ref:
            ref = store.current(c.ref[0])
            if c.ref[0] in _REF_CAMPUS:
                ref = ref[ref["campus_id"] == campus]
            row[c.name] = ref[c.ref[1]].iloc[0] if not ref.empty and c.required else None
        elif c.choices:
            row[c.name] = schema.choice_codes(c)[0]
        elif c.name == "year":
            row[c.name] = year or date.today().year
        elif c.type in ("int", "float"):
            row[c.name] = c.min if c.min is not None and c.min > 0 else 1
        elif c.type == "bool":
            row[c.name] = False
        elif c.type == "date":
            row[c.name] = date.today()
        elif c.name in t.key:
            row[c.name] = f"{campus}-EXEMPLE"
        elif c.required:
            row[c.name] = "Exemple à remplacer"
        else:
            row[c.name] = None
    return row


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


def _cell(c: schema.Column | None, v) -> str:
    """A value as French Excel shows it."""
    if _missing(v):
        return ""
    if c is None or isinstance(v, str) and c.type != "text":  # a reader's column, or « oui » for a yes/no value
        return str(v)
    if c.choices and isinstance(c.choices, dict):
        return schema.choice_label(c, v)
    if c.type == "bool":
        return "oui" if v else "non"
    if c.type == "float":
        return f"{float(v):.10g}".replace(".", ",")
    if c.type == "int":
        return str(int(v))
    if c.type == "date":
        return pd.Timestamp(v).strftime("%d/%m/%Y")
    return str(v)


def _column(t: schema.Table, name: str) -> schema.Column | None:
    return t.column(name) if name in t.names else None


def _header(t: schema.Table, name: str) -> str:
    c = _column(t, name)
    return c.header if c else name


def guide(lay: Layout, workbook: bool = True) -> list[str]:
    """The « Mode d'emploi »: what the file is for, how to fill it, what the importer passes over."""
    t = lay.table
    scope = f"campus {lay.campus}" if lay.campus else "tous les campus (colonne « Code campus »)"
    out = [f"Modèle d'import « {t.label} » – {scope}" + (f" – année {lay.year}" if lay.year else "") + ".",
           t.description,
           ("Remplissez la feuille « Données » puis déposez le fichier dans « Importer des données ». Les listes "
            "déroulantes donnent les codes et les valeurs possibles ; les en-têtes ne se modifient pas." if workbook else
            "Remplissez les lignes au-dessus puis déposez le fichier dans « Importer des données » ; les valeurs possibles "
            "de chaque colonne sont listées plus bas. Les en-têtes ne se modifient pas."),
           f"Les colonnes dont l'en-tête finit par « {schema.FOR_INFORMATION} » aident à lire le fichier : elles ne "
           "sont pas importées.",
           "Les lignes déjà remplies sont celles que le tableau de bord connaît : les renvoyer sans les changer ne change rien."]
    if t.fill_columns:
        what = " ni ".join(f"« {t.column(n).header} »" for n in t.fill_columns)
        out.append(f"Une ligne sans {what} n'est pas importée : laissez vides celles que vous ne renseignez pas. "
                   "Pour déclarer une valeur inconnue, laissez la valeur vide et dites pourquoi dans le commentaire.")
    if lay.units is not None and len(lay.units):
        yes_no = lay.rows.loc[lay.units.eq("oui_non").to_numpy(), "indicator_id"].tolist()
        out.append(f"{len(yes_no)} des {len(lay.units)} indicateurs se renseignent par oui ou non (valeur et cible) ; "
                   "les autres par un nombre (virgule décimale, sans unité). La colonne « Valeur attendue » le dit "
                   "ligne par ligne" + (f" ; les indicateurs oui/non : {', '.join(yes_no)}." if yes_no else "."))
    if "year" in t.names:
        out.append("L'année est une année civile à quatre chiffres (par exemple 2018).")
    return out


def csv_bytes(store, table_name: str, campus: str | None = None, year: int | None = None) -> bytes:
    """The template as French Excel CSV (; and UTF-8 with BOM), the guide and the column help as # lines after the data."""
    lay = layout(store, table_name, campus, year)
    t = lay.table
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([_header(t, n) for n in lay.order])
    for rec in lay.rows.to_dict("records"):
        w.writerow([fmt.neutralise(_cell(_column(t, n), rec[n])) for n in lay.order])
    w.writerow([])
    w.writerow(["# Les lignes commençant par # sont ignorées à l'import."])
    for line in guide(lay, workbook=False):
        w.writerow([f"# {line}"])
    for d in columns_doc(table_name).to_dict("records"):
        w.writerow([f"# {d['Colonne']} ({'obligatoire' if d['Obligatoire'] == 'oui' else 'facultatif'}, {d['Type']})"
                    + (f" : {d['Valeurs possibles']}" if d["Valeurs possibles"] else "")
                    + (f". {d['Explication']}" if d["Explication"] else "")])
    return buf.getvalue().encode("utf-8-sig")


def csv_of(table_name: str, rows: pd.DataFrame) -> bytes:
    """Rows of a table (its columns by name; `oui`/`non` allowed in a yes/no value) as the French Excel CSV a director
    would send: what the browser's entry grid hands to the importer, so that it is checked exactly like a file."""
    t = schema.table(table_name)
    names = [n for n in t.names if n in rows.columns]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([t.column(n).header for n in names])
    for rec in rows[names].to_dict("records"):
        w.writerow([fmt.neutralise(_cell(t.column(n), rec[n])) for n in names])
    return buf.getvalue().encode("utf-8-sig")


def _lists(store, lay: Layout) -> dict[str, list]:
    """The drop-down lists, by column name: allowed values as labels, the codes of the referenced rows."""
    t = lay.table
    out = {}
    for c in t.columns:
        if c.choices:
            out[c.name] = [schema.choice_label(c, k) for k in schema.choice_codes(c)]
        elif c.type == "bool":
            out[c.name] = ["oui", "non"]
        elif c.ref:
            ref = store.current(c.ref[0])
            if lay.campus and (c.ref[0] in _REF_CAMPUS or c.ref[0] == "campuses"):
                ref = ref[ref["campus_id"] == lay.campus]
            out[c.name] = sorted(ref[c.ref[1]].dropna().unique().tolist())
    if lay.units is not None:
        out["oui_non"] = ["oui", "non"]
    return {k: v for k, v in out.items() if v}


def xlsx_bytes(store, table_name: str, campus: str | None = None, year: int | None = None) -> bytes:
    """The template as an Excel workbook: « Données » (the lines, with drop-downs), « Mode d'emploi » (the guide and
    each column), « Indicateurs » for indicator values, and the hidden « Listes » the drop-downs read."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname

    lay = layout(store, table_name, campus, year)
    t = lay.table
    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append([_header(t, n) for n in lay.order])
    for rec in lay.rows.to_dict("records"):
        out = []
        for n in lay.order:
            c, v = _column(t, n), rec[n]
            if _missing(v):
                out.append(None)
            elif c is not None and c.type in ("int", "float") and not c.choices and not isinstance(v, str):
                out.append(int(v) if c.type == "int" else float(v))
            elif c is not None and c.type == "date":
                out.append(pd.Timestamp(v).date())
            else:
                out.append(_cell(c, v))
        ws.append(out)
        for cell in ws[ws.max_row]:  # text stays text: an imported « =HYPERLINK(…) » is never a live formula
            if isinstance(cell.value, str):
                cell.data_type = "s"
    last = max(ws.max_row, 2) + EXTRA_LINES
    grey, info_font = PatternFill("solid", fgColor="EEEEEE"), Font(italic=True, color="555555")
    for i, n in enumerate(lay.order, start=1):
        letter, c = get_column_letter(i), _column(t, n)
        ws.cell(1, i).font = Font(bold=True, color="555555" if c is None else "000000")
        ws.cell(1, i).alignment = Alignment(wrap_text=True, vertical="top")
        width = 14 if c is None or c.type != "text" else 22
        ws.column_dimensions[letter].width = max(width, min(48, len(_header(t, n)) + 2)) if c else 40
        for row in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
            cell = row[0]
            if c is None:
                cell.fill, cell.font = grey, info_font
            elif c.type == "date":
                cell.number_format = "DD/MM/YYYY"
            elif c.name == "year" or c.type == "int":
                cell.number_format = "0"
    ws.freeze_panes = "A2"
    _validations(ws, wb, store, lay, last, quote_sheetname)
    _guide_sheet(wb, lay, Font)
    if lay.units is not None:
        _indicator_sheet(wb, store, lay, Font)
    return workbook_bytes(wb)


def _validations(ws, wb, store, lay: Layout, last: int, quote_sheetname) -> None:
    """Drop-downs (from the hidden « Listes » sheet), whole years, numbers within their bounds, dates; a French
    message when a cell refuses what was typed."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    t = lay.table
    lists = _lists(store, lay)
    sheet = wb.create_sheet("Listes")
    sheet.sheet_state = "hidden"
    where = {}
    for j, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        sheet.cell(1, j, name)
        for i, v in enumerate(values, start=2):
            sheet.cell(i, j, v).data_type = "s" if isinstance(v, str) else "n"
        where[name] = f"={quote_sheetname(sheet.title)}!${letter}$2:${letter}${len(values) + 1}"

    def add(dv: DataValidation, col: str, rows: list[int] | None = None) -> None:
        letter = get_column_letter(lay.order.index(col) + 1)
        ws.add_data_validation(dv)
        if rows is None:
            dv.add(f"{letter}2:{letter}{last}")
        for r in rows or ():
            dv.add(f"{letter}{r}")

    for c in t.columns:
        if lay.units is not None and c.name in ("value", "target"):
            continue
        prompt = dict(showInputMessage=bool(c.help), promptTitle=c.header[:32], prompt=c.help[:250] or None)
        if c.name in lists:
            strict = bool(c.choices) or c.type == "bool"  # a code of a row this very file adds is allowed after a warning
            dv = DataValidation(type="list", formula1=where[c.name], allow_blank=True, showErrorMessage=True,
                                errorStyle="stop" if strict else "warning", errorTitle="Valeur non prévue",
                                error=("Choisissez une valeur de la liste." if strict else
                                       "Ce code n'est pas dans la liste : vérifiez-le, ou ajoutez la ligne qu'il désigne."),
                                **prompt)
        elif c.name == "year":
            dv = DataValidation(type="whole", operator="between", formula1=str(int(c.min)),
                                formula2=str(date.today().year + (c.years_ahead or 0)), allow_blank=True,
                                showErrorMessage=True, errorTitle="Année", error="Écrivez une année à quatre chiffres, "
                                "par exemple 2018.", **prompt)
        elif c.type in ("int", "float") and (c.min is not None or c.max is not None):
            low, high = c.min if c.min is not None else -1e15, c.max if c.max is not None else 1e15
            dv = DataValidation(type="whole" if c.type == "int" else "decimal", operator="between", formula1=f"{low:g}",
                                formula2=f"{high:g}", allow_blank=True, showErrorMessage=True, errorTitle=c.header[:32],
                                error=f"Écrivez un nombre de {low:g} à {high:g}." if c.max is not None else
                                f"Écrivez un nombre supérieur ou égal à {low:g}.", **prompt)
        elif c.type == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                showErrorMessage=True, errorTitle="Date", error="Écrivez une date jj/mm/aaaa.", **prompt)
        else:
            continue
        add(dv, c.name)
    if lay.units is not None:  # each indicator's value and target: oui/non, a percentage, or a number
        rows_of = {u: [i + 2 for i, x in enumerate(lay.units) if x == u] for u in set(lay.units.dropna())}
        for name in ("value", "target"):
            for unit, rows in rows_of.items():
                if unit == "oui_non":
                    dv = DataValidation(type="list", formula1=where["oui_non"], allow_blank=True, showErrorMessage=True,
                                        errorStyle="stop",
                                        errorTitle="Oui ou non", error="Cet indicateur se renseigne par oui ou non.")
                else:
                    low, high = schema.UNIT_RANGE.get(unit, (None, None))
                    dv = DataValidation(type="decimal", operator="between", formula1=f"{low or 0:g}",
                                        formula2=f"{high if high is not None else 1e15:g}",
                                        allow_blank=True, showErrorMessage=True, errorTitle="Nombre",
                                        error=f"Cet indicateur attend {EXPECTED.get(unit, 'un nombre')} (sans unité).")
                add(dv, name, rows)


def _guide_sheet(wb, lay: Layout, Font) -> None:
    doc = wb.create_sheet("Mode d'emploi", 1)
    for line in guide(lay):
        doc.append([line])
    doc.append([])
    d = columns_doc(lay.table.name)
    doc.append(list(d.columns))
    for cell in doc[doc.max_row]:
        cell.font = Font(bold=True)
    for rec in d.itertuples(index=False):
        doc.append(list(rec))
    doc["A1"].font = Font(bold=True, size=13)
    for letter, width in zip("ABCDE", (28, 12, 22, 60, 60)):
        doc.column_dimensions[letter].width = width


def _indicator_sheet(wb, store, lay: Layout, Font) -> None:
    """Every indicator listed: code, title, objective, unit, what a value is, cumulative or not."""
    ind = store.current("indicators")
    ind = _of_campus(ind, lay.campus).sort_values(["campus_id", "indicator_id"])
    objectives = store.current("objectives").set_index("objective_id")["title"]
    sheet = wb.create_sheet("Indicateurs", 2)
    sheet.append(["Identifiant indicateur", "Intitulé", "Objectif", "Unité", "Valeur attendue", "Cumulatif"])
    for r in ind.itertuples(index=False):
        sheet.append([r.indicator_id, r.name, f"{r.objective_id} – {objectives.get(r.objective_id, '')}",
                      schema.UNITS.get(r.unit, r.unit), EXPECTED.get(r.unit, ""), "oui" if r.cumulative else "non"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (20, 60, 50, 14, 26, 11)):
        sheet.column_dimensions[letter].width = width
