"""The import and history screens: what a director sees before, during and after an upload."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cmq.app import keys, session, ui
from cmq.core import fmt, ingest, permissions, schema
from cmq.core.store import StoreError
from cmq.outputs import templates

IMPORTABLE = ["indicator_values", "actions", "action_objectives", "reach", "funding", "criteria_assessments",
              "objectives", "indicators", "partners", "campus_partners"]
MAX_MB = ingest.MAX_BYTES_DEFAULT // (1024 * 1024)


def choose(account: dict) -> tuple[str, str | None]:
    """Table and campus, chosen at the top of the page; a director sees only their campuses and campus tables."""
    campuses = ui.query("campuses")
    names = dict(zip(campuses["campus_id"], campuses["name"]))
    mine = ui.store().campuses_of(account)
    tables = [t for t in IMPORTABLE if ui.store().allows(account, "import", permissions.rows_of(schema.table(t), mine or set()))]
    codes = [c for c in names if mine is None or c in mine]
    c1, c2 = st.columns(2)
    table = c1.selectbox("Que voulez-vous importer ?", tables, key="imp_table", format_func=lambda t: schema.table(t).label)
    options = ([None] if len(codes) > 1 else []) + codes
    campus = c2.selectbox("Pour quel campus ?", options, key="imp_campus",
                          format_func=lambda c: "Plusieurs campus (colonne « Code campus »)" if c is None else f"{c} – {names[c]}")
    st.caption(fmt.md(schema.table(table).description) + f" Import enregistré au nom de {fmt.md(permissions.describe(account))}.")
    return table, campus


@st.cache_data(max_entries=64, show_spinner=False)
def _template(kind: str, table: str, campus: str | None, year: int | None, root: str, version: int) -> bytes:
    make = templates.xlsx_bytes if kind == "xlsx" else templates.csv_bytes
    return make(ui.store(), table, campus, year)


@st.cache_data(max_entries=8, show_spinner="Vérification du fichier…")
def _checked(table: str, data: bytes, name: str, campus: str | None, sheet: str | None, mine: frozenset | None,
             root: str, version: int) -> ingest.Report:
    return ingest.check(ui.store(), table, data, name, campus=campus, sheet=sheet, scope=None if mine is None else set(mine))


def check(table: str, name: str, data: bytes, campus: str | None, sheet: str | None, account: dict) -> ingest.Report:
    """The dry run of a file against the account's campuses, computed once per file and store version."""
    s = ui.store()
    mine = s.campuses_of(account)
    return _checked(table, data, name, campus, sheet, None if mine is None else frozenset(mine), str(s.root), s.version())


def template_buttons(table: str, campus: str | None) -> None:
    """The table's template for the campus (and a year, for a table by year): every line to fill, with drop-downs."""
    s = ui.store()
    root, version = str(s.root), s.version()
    year = None
    c0, c1, c2, c3 = st.columns([1.2, 1, 1, 2.4], vertical_alignment="bottom")
    if "year" in schema.table(table).names:
        first = templates.default_year(s, table, campus)
        years = sorted({first, date.today().year, *range(first - 2, first + 3)})
        year = c0.selectbox("Année du modèle", years, index=years.index(first), key=f"tpl_year_{table}_{campus}",
                            help="Le modèle liste les lignes de cette année, avec ce qui est déjà enregistré.")
    stem = templates.file_stem(table, campus, year)
    c1.download_button("Modèle CSV", _template("csv", table, campus, year, root, version), f"{stem}.csv", "text/csv",
                       icon=":material/download:", key="tpl_csv")
    c2.download_button("Modèle Excel", _template("xlsx", table, campus, year, root, version), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:", key="tpl_xlsx")
    with c3.expander("Colonnes attendues"):
        st.dataframe(templates.columns_doc(table), hide_index=True)


def uploaded() -> tuple[str, bytes, str | None] | None:
    """The file the person dropped, as (name, bytes, sheet of a workbook)."""
    n = st.session_state.setdefault(keys.IMPORT_ROUND, 0)
    # .ods and .xls are taken so that the page, not the browser's uploader, says in French how to save them
    f = st.file_uploader("Déposez votre fichier CSV ou Excel", type=["csv", "txt", "xlsx", "ods", "xls"], key=f"imp_file_{n}",
                         max_upload_size=MAX_MB, help="CSV (point-virgule ou virgule) ou classeur Excel .xlsx, "
                                                      f"{MAX_MB} Mo au plus.")
    if f is None:
        return None
    data = f.getvalue()
    sheets = ingest.sheet_names(data)
    sheet = st.selectbox("Feuille du classeur", sheets, key=f"imp_sheet_{n}") if len(sheets) > 1 else None
    return f.name, data, sheet


SHOWN_ERRORS = 30  # errors shown whole on the page; the others in a grid below
COUNTS = {"count", "women"}  # the integer columns that are quantities; the others (year, level…) are codes


def _shown(v, column: str | None = None) -> str:
    """A cell as a French reader expects it: 1 234,5 ; 13 juin 2018 ; oui/non ; 2018 (no grouping) ; empty for nothing."""
    if fmt.missing(v):
        return ""
    if isinstance(v, int) and not isinstance(v, bool) and column and column not in COUNTS:
        return str(v)
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, (int, float)):
        return fmt.number(v, 4)
    if hasattr(v, "isoformat"):
        return fmt.day(v)
    return str(v)


def _cells(t: schema.Table, name: str, values, units=None) -> list[str]:
    """A column's cells as a reader reads them: labels for codes, oui/non for a yes/no indicator's value or target
    (`units`: each cell's indicator unit), French numbers."""
    c = t.column(name)
    if c.choices and isinstance(c.choices, dict):
        return ["" if fmt.missing(v) else schema.choice_label(c, v) for v in values]
    if units is not None and name in ("value", "target"):
        return [("oui" if v else "non") if u == "oui_non" and not fmt.missing(v) else _shown(v, name)
                for v, u in zip(values, units)]
    return [_shown(v, name) for v in values]


def readable(t: schema.Table, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the table as a reader reads them, the title of each referenced row beside its code."""
    units = templates.yes_no_units(ui.store(), rows) if t.name == "indicator_values" else None
    out = pd.DataFrame({n: _cells(t, n, rows[n], units) for n in t.names if n in rows}, index=rows.index)
    out, order = templates.titled(ui.store(), t, out)
    return out[order].fillna("").rename(columns={c.name: c.header for c in t.columns})


def readable_changes(t: schema.Table, changes: pd.DataFrame) -> pd.DataFrame:
    """The changed cells, old and new value as a reader reads them, each row's key followed by its title."""
    ch = changes.reset_index(drop=True)
    first = pd.DataFrame({t.key[0]: ch["key"].str.split(" · ").str[0]})
    units = templates.yes_no_units(ui.store(), first) if t.name == "indicator_values" else pd.Series([None] * len(ch))
    old = [_cells(t, n, [v], [u])[0] for n, v, u in zip(ch["name"], ch["old"], units)]
    new = [_cells(t, n, [v], [u])[0] for n, v, u in zip(ch["name"], ch["new"], units)]
    named, order = templates.titled(ui.store(), t, first)
    if len(order) > 1:
        ch["key"] += named[order[1]].map(lambda x: "" if fmt.missing(x) else f" – {x}")
    return pd.DataFrame({"Ligne concernée": ch["key"], "Colonne": ch["column"], "Ancienne valeur": old,
                         "Nouvelle valeur": new})


PREVIEW_ROWS = 25  # lines of a preview shown without scrolling inside the table (the page scrolls instead)


def preview(df: pd.DataFrame, key: str) -> None:
    """A preview table as tall as its lines (up to PREVIEW_ROWS: a short file is read whole, without a scroll bar in a
    box of ten lines), long texts (comments, titles) in wide columns."""
    wide = {c: st.column_config.TextColumn(width="large") for c in df.columns
            if df[c].dtype == object and df[c].astype(str).str.len().max() > 30}
    st.dataframe(df, hide_index=True, key=key, height=38 + 35 * min(max(len(df), 1), PREVIEW_ROWS),
                 column_config=wide)


def show_report(rep: ingest.Report) -> None:
    """Errors line by line, or what will change."""
    for w in rep.warnings:
        st.warning(fmt.md(w), icon=":material/info:")
    if rep.errors:
        st.error(f"{len(rep.errors)} erreur(s) : rien ne sera écrit. Corrigez le fichier puis déposez-le à nouveau.",
                 icon=":material/error:")
        errs = pd.DataFrame(rep.errors).rename(columns={"line": "Ligne", "column": "Colonne", "message": "Message"})
        errs["Ligne"] = errs["Ligne"].map(lambda v: "" if v is None or pd.isna(v) else str(int(v)))
        errs["Colonne"] = errs["Colonne"].fillna("")
        # a table that wraps its text: a message is read whole, on a phone too; a long list scrolls in a grid
        st.table(errs.head(SHOWN_ERRORS).map(fmt.md), hide_index=True, border="horizontal")  # Markdown cells: escaped
        if len(errs) > SHOWN_ERRORS:
            with st.expander(f"Toutes les erreurs ({fmt.number(len(errs))})"):
                st.dataframe(errs, hide_index=True, key="imp_errors")
        return
    c1, c2, c3 = st.columns(3)
    c1.metric("Lignes à ajouter", fmt.number(rep.inserted))
    c2.metric("Lignes à modifier", fmt.number(rep.updated))
    c3.metric("Lignes inchangées", fmt.number(rep.unchanged))
    if rep.updated:
        st.header("Modifications (ancienne → nouvelle valeur)")
        preview(readable_changes(schema.table(rep.table), rep.changes), "imp_changes")
    if rep.inserted:
        st.header("Lignes à ajouter")
        new = rep.rows[rep.rows["_change"] == "insert"].drop(columns="_change").head(500)
        preview(readable(schema.table(rep.table), new), "imp_inserts")
    if rep.status == "unchanged":
        st.info("Rien ne change : toutes ces lignes sont déjà dans le tableau de bord.", icon=":material/check:")


def commit(preview: ingest.Report, table: str, campus: str | None, user: str, name: str, data: bytes,
           sheet: str | None, label: str = "Valider l'import") -> None:
    """The commit button. Its click is handled before the page runs again, with the report the person was shown:
    it writes what that preview showed, or nothing when another import changed it meanwhile (the page then shows
    the new diff). On success the uploader is reset so the same file is not committed twice by mistake."""
    st.button(label, type="primary", key="imp_commit", on_click=_commit,
              args=(preview, table, campus, user, name, data, sheet))


def _commit(preview: ingest.Report, table: str, campus: str | None, user: str, name: str, data: bytes,
            sheet: str | None) -> None:
    # a callback runs before the page and its session check: the session is checked here (signed out in another
    # tab, a new password, rights taken away: nothing is written, the page then shows the sign-in form)
    signed = session.current()
    if signed is None or signed["name"] != user:
        return
    rep = ingest.import_bytes(ui.store(), table, data, name, user=user, campus=campus, sheet=sheet, preview=preview)
    ui.clear_cache()
    if rep.stale:
        st.session_state[keys.IMPORT_NOTICE] = rep.errors[-1]["message"]
    elif rep.status == "committed":
        st.session_state[keys.IMPORT_DONE] = (f"Import validé : lot n° {rep.batch_id}, {rep.inserted} ligne(s) ajoutée(s), "
                                        f"{rep.updated} modifiée(s). Vous pouvez l'annuler dans « Historique des imports ».")
        st.session_state[keys.IMPORT_ROUND] += 1
        st.session_state[keys.IMPORT_DONE_TABLE] = table
    elif rep.status == "unchanged":
        st.session_state[keys.IMPORT_NOTICE] = "Rien à importer : les données sont déjà à jour."
    else:
        st.session_state[keys.IMPORT_REFUSED] = "Le fichier a été refusé : " + (
            rep.errors[-1]["message"] if rep.errors else "déposez-le à nouveau.")


def history_table(b: pd.DataFrame) -> pd.DataFrame:
    """The import history (rows of `batch_history`) as « Historique » lists it (ui.shaped: once per store version —
    twelve thousand batches at national size take 0.4 s to write out in French)."""
    out = pd.DataFrame({
        "Lot": b["batch_id"],
        "État": [f"Annulé le {fmt.moment(r)} par {who or '?'}" if rv else "Actif"
                 for rv, r, who in zip(b["reverted"], b["reverted_at"], b["reverted_by"])],
        "Données": b["table_name"].map(lambda t: schema.TABLES[t].label if t in schema.TABLES else t),
        "Campus": b["campus_id"].fillna(""),
        "Fichier": b["file_name"],
        "Lignes": b["rows"], "Ajoutées": b["inserted"], "Modifiées": b["updated"], "Inchangées": b["unchanged"],
        "Par": b["user_name"],
        "Le": b["committed_at"].map(fmt.moment),
    })
    return out


def revert_form(history: pd.DataFrame, account: dict) -> None:
    """Pick an active batch the account may revert (a director: their campuses' only), confirm, revert."""
    active = history[history["État"] == "Actif"]
    active = active[[ui.store().allows(account, "revert", permissions.on(*schema.split_campuses(c)))
                     for c in active["Campus"]]]
    if active.empty:
        st.info("Aucun import actif que vous puissiez annuler.")
        return
    user = account["name"]
    labels = {int(r["Lot"]): f"Lot {r['Lot']} – {r['Données']} – {r['Fichier']} ({r['Le']}, {r['Par']})" for _, r in active.iterrows()}
    n = st.session_state.setdefault(keys.REVERT_ROUND, 0)  # new widgets after each revert: the list has changed
    batch = st.selectbox("Import à annuler", list(labels), format_func=labels.get, key=f"rev_batch_{n}")
    sure = st.checkbox("Je confirme : les valeurs que cet import avait remplacées seront rétablies.", key=f"rev_sure_{n}")
    if st.button("Annuler cet import", disabled=not sure, key="rev_go"):
        try:
            ui.store().revert(batch, user=user)
        except StoreError as exc:
            st.error(fmt.md(exc))
            return
        ui.clear_cache()
        st.session_state[keys.REVERT_ROUND] += 1
        st.session_state[keys.REVERT_DONE] = f"Lot {batch} annulé : les valeurs précédentes sont rétablies."
        st.rerun()
