"""A grid → typed rows of one table: the headers matched to its columns (French labels, codes, near misses), each
column typed, and the identifiers the store already knows (the context the checks read)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from cmq.core import queries, schema
from cmq.core.ingest.cells import choice_index, convert, each_distinct
from cmq.core.ingest.reading import Grid, error, fold, is_empty
from cmq.core.schema import Table


# ------------------------------------------------------------------ context from the store
class Context(dict):
    """What the validator knows of the store: for each reference table, {key: what the table's known_as says of it}
    (True when only its existence matters)."""

    @classmethod
    def from_store(cls, store, tables: set[str] | None = None) -> Context:
        """The keys of the reference tables `tables` (every one when None): a file of indicator values needs campuses
        and indicators, not the 200 000 actions of a national store."""
        ctx = cls()
        con = store.connect(build=False)  # a write is coming: no catalogue for a version about to be replaced
        try:
            for name in sorted(tables if tables is not None else KNOWN):
                cur = con.execute(queries.sql_text(KNOWN[name]))
                ctx[name] = known_ids(schema.table(name), [d[0] for d in cur.description], cur.fetchall())
            return ctx
        finally:
            con.close()


# the tables rows point to, and the query that lists each one's keys
KNOWN = {"campuses": "known_campuses", "objectives": "known_objectives", "indicators": "known_indicators",
         "actions": "known_actions", "partners": "known_partners", "criteria": "known_criteria"}


def known_ids(t: Table, columns: list[str], records) -> dict:
    """{key: what a row says of it} for rows of table `t` (a one-column key)."""
    k = columns.index(t.key[0])
    if t.known_as is None:
        return {rec[k]: True for rec in records}
    return {rec[k]: t.known_as(dict(zip(columns, rec))) for rec in records}


# ------------------------------------------------------------------ parse + validate
@dataclass
class Report:
    """Everything the importer found out about one file."""

    table: str
    file_name: str = ""
    sha256: str = ""
    rows: pd.DataFrame | None = None
    lines: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status: str = "rejected"
    batch_id: int | None = None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: pd.DataFrame | None = None
    columns: list[str] = field(default_factory=list)  # the table columns the file has
    stale: bool = False  # refused because the store changed since the preview

    def as_json(self) -> dict:
        return {
            "status": self.status, "batch_id": self.batch_id,
            "rows": 0 if self.rows is None else len(self.rows),
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "errors": self.errors, "warnings": self.warnings,
        }


def match_headers(t: Table, headers: list[str]) -> tuple[dict[int, str], list[str], list[dict]]:
    """Map file columns to table columns by French header or column name, ignoring case and accents."""
    wanted = {}
    for c in t.columns:
        wanted[fold(c.header)] = c.name
        wanted[fold(c.name)] = c.name
    mapping, warnings, errors, seen, unknown = {}, [], [], {}, []
    for i, h in enumerate(headers):
        if is_empty(h):
            continue
        name = wanted.get(fold(h))
        if name is None and fold(h).endswith(fold(schema.FOR_INFORMATION)):
            continue  # a column for the reader (the template's titles and units)
        if name is None:
            unknown.append(str(h).strip()[:60])
            continue
        if name in seen:
            errors.append(error(1, str(h).strip(), f"La colonne « {t.column(name).header} » apparaît deux fois ; gardez-en une seule."))
            continue
        seen[name] = i
        mapping[i] = name
    if unknown:  # one message, however many (a file of 10 000 stray columns makes one warning)
        absent = {fold(c.header): c.header for c in t.columns if c.name not in seen}

        def named(h: str) -> str:  # « Cible1 » (voulez-vous dire « Cible » ?)
            close = difflib.get_close_matches(fold(h), list(absent), n=1, cutoff=0.7)
            return f"« {h} »" + (f" (voulez-vous dire « {absent[close[0]]} » ?)" if close else "")

        shown = ", ".join(named(h) for h in unknown[:10]) + (f" et {len(unknown) - 10} autre(s)" if len(unknown) > 10 else "")
        warnings.append(f"{len(unknown)} colonne(s) ne sont pas des colonnes de « {t.label} » et sont ignorées : {shown}."
                        if len(unknown) > 1 else f"La colonne {shown} n'est pas une colonne de « {t.label} » : elle est ignorée.")
    return mapping, warnings, errors


def _filled(t: Table, mapping: dict[int, str], keep: list, lines: list[int], rep: Report) -> tuple[list, list[int]]:
    """The lines that fill one of the table's fill columns; the others (a template's lines left blank) are passed over
    and counted in a warning, or make one error when no line is filled."""
    where = [i for i, name in mapping.items() if name in t.fill_columns]
    cells = [[rec[i] if i < len(rec) else None for i in where] for rec in keep]
    empty = {v for v in {v for row in cells for v in row} if is_empty(v)}  # each distinct cell judged once
    filled = [any(v not in empty and v == v for v in row) for row in cells]  # v == v: a NaN is empty too
    blank = filled.count(False)
    what = ", ".join(f"« {t.column(n).header} »" for n in t.fill_columns)
    if blank == len(keep):
        rep.errors.append(error(None, None, f"Aucune ligne n'est remplie : écrivez au moins l'une des colonnes {what} "
                                           "sur les lignes à importer."))
        return [], []
    if blank:
        rep.warnings.append(f"{blank} ligne(s) sans {what.replace(', ', ' ni ')} ne sont pas importées (lignes du modèle "
                            "laissées vides) : ce qui est déjà enregistré pour elles ne change pas.")
    return [r for r, f in zip(keep, filled) if f], [ln for ln, f in zip(lines, filled) if f]


def parse(t: Table, sheet: Grid, campus: str | None = None) -> Report:
    """Typed rows of table `t` from a sheet, with every reading error."""
    rep = Report(table=t.name)
    mapping, rep.warnings, rep.errors = match_headers(t, sheet.headers)
    rep.errors += sheet.errors
    if not mapping:
        expected = ", ".join(c.header for c in t.columns if c.required)
        rep.errors.append(error(1, None, f"Aucune colonne de « {t.label} » n'a été reconnue. Ce fichier est-il le bon ? "
                                        f"Colonnes attendues : {expected}."))
        return rep
    present = set(mapping.values())
    if campus and "campus_id" in t.names and "campus_id" not in present:
        present.add("campus_id")
    required = [c for c in t.columns if c.required]
    missing = [c for c in required if c.name not in present]
    if len(missing) * 2 >= len(required):
        rep.errors.append(error(1, None, f"Ce fichier ne ressemble pas à « {t.label} » : il y manque {len(missing)} colonne(s) "
                                        "obligatoire(s). Avez-vous choisi la bonne table ?"))
    for c in missing:
        rep.errors.append(error(1, c.header, f"La colonne obligatoire « {c.header} » est absente. Ajoutez-la (voir le modèle)."))
    if missing:
        return rep
    keep, lines = [], []
    for rec, ln in zip(sheet.rows, sheet.lines):
        if any(not is_empty(v) for v in rec):
            keep.append(rec)
            lines.append(ln)
    if t.fill_columns and keep:
        keep, lines = _filled(t, mapping, keep, lines, rep)
        if not keep:
            return rep
    if not keep:
        rep.errors.append(error(None, None, "Le fichier ne contient que des en-têtes : ajoutez au moins une ligne de données."))
        return rep
    width = max(mapping) + 1
    raw = pd.DataFrame([(list(r) + [None] * width)[:width] for r in keep], dtype=object)
    raw.index = range(len(raw))
    out = {}
    for i, name in mapping.items():
        col = t.column(name)
        out[name] = convert(col, raw[i], lines, rep.errors, yes_no_numbers=col.yes_no)
    df = pd.DataFrame(out, index=raw.index)
    for name in df.columns:
        col = t.column(name)
        if col.choices:  # « En cours », « en cours », « EN_COURS » → en_cours; unknown values stay for the validator
            idx = choice_index(col)
            df[name] = pd.Series(each_distinct(df[name].tolist(), lambda v, idx=idx: None if v is None else idx.get(fold(v), v)),
                                 index=df.index, dtype=object)
    for c in t.columns:
        if c.name not in df.columns:
            df[c.name] = None
        if c.default is not None:
            df[c.name] = df[c.name].map(lambda v, d=c.default: d if v is None else v)
    if campus and "campus_id" in t.names:
        df["campus_id"] = df["campus_id"].map(lambda v: campus if v is None else v)
    rep.columns = [c.name for c in t.columns if c.name in present]
    rep.rows = df[t.names].astype(object)
    rep.rows = rep.rows.where(rep.rows.notna(), None)
    rep.lines = lines
    return rep
