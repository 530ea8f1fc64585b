"""Import templates: French headers, example rows that import cleanly into the current store, column help."""
from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd

from cmq.core import fmt, schema

TYPE_NAMES = {"text": "texte", "int": "nombre entier", "float": "nombre (virgule décimale)",
              "bool": "oui / non", "date": "date jj/mm/aaaa"}
# reference table of each referencing column, and the column holding its campus
_REF_CAMPUS = {"objectives": "campus_id", "indicators": "campus_id", "actions": "campus_id"}


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


def example_rows(store, table_name: str, campus: str | None = None, n: int = 3) -> pd.DataFrame:
    """Rows that import cleanly: the store's own current rows when it has some (importing them changes nothing)."""
    t = schema.table(table_name)
    current = store.current(table_name)[t.names]
    if campus and t.campus_column:
        current = current[current[t.campus_column] == campus]
    if not current.empty:
        return current.head(n).reset_index(drop=True)
    return pd.DataFrame([_synthetic(store, t, campus)], columns=t.names)


def _synthetic(store, t: schema.Table, campus: str | None) -> dict:
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
            row[c.name] = date.today().year
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


def _cell(c: schema.Column, v) -> str:
    """A value as French Excel shows it."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
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


def csv_bytes(store, table_name: str, campus: str | None = None) -> bytes:
    """The template as French Excel CSV (; and UTF-8 with BOM), with the column help as # lines after the data."""
    t = schema.table(table_name)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([c.header for c in t.columns])
    for rec in example_rows(store, table_name, campus).to_dict("records"):
        w.writerow([fmt.neutralise(_cell(c, rec[c.name])) for c in t.columns])
    w.writerow([])
    w.writerow([f"# {t.label} : {t.description} Les lignes commençant par # sont ignorées à l'import."])
    for d in columns_doc(table_name).to_dict("records"):
        w.writerow([f"# {d['Colonne']} ({'obligatoire' if d['Obligatoire'] == 'oui' else 'facultatif'}, {d['Type']})"
                    + (f" : {d['Valeurs possibles']}" if d["Valeurs possibles"] else "")
                    + (f". {d['Explication']}" if d["Explication"] else "")])
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(store, table_name: str, campus: str | None = None) -> bytes:
    """The template as an Excel workbook: sheet « Données » then sheet « Colonnes » explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = schema.table(table_name)
    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append([c.header for c in t.columns])
    for rec in example_rows(store, table_name, campus).to_dict("records"):
        out = []
        for c in t.columns:
            v = rec[c.name]
            if v is None or (isinstance(v, float) and v != v):
                out.append(None)
            elif c.type in ("int", "float") and not c.choices:
                out.append(int(v) if c.type == "int" else float(v))
            elif c.type == "date":
                out.append(pd.Timestamp(v).date())
            else:
                out.append(_cell(c, v))
        ws.append(out)
        for cell in ws[ws.max_row]:  # text stays text: an imported « =HYPERLINK(…) » is never a live formula
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(t.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(40, len(c.header) + 4))
    doc = wb.create_sheet("Colonnes")
    d = columns_doc(table_name)
    doc.append(list(d.columns))
    for rec in d.itertuples(index=False):
        doc.append(list(rec))
    for cell in doc[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (28, 12, 22, 60, 60)):
        doc.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
