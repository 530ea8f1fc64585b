"""File → rows: encoding, delimiter and number detection, XLSX, header matching, validation, diff → report."""
from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import numpy as np
import pandas as pd

from . import auth, fmt, schema
from .schema import Column, Table
from .store import StoreError

MAX_BYTES_DEFAULT = int(os.environ.get("CMQ_MAX_UPLOAD_MB", "20")) * 1024 * 1024
MAX_ERRORS = 1000


# ------------------------------------------------------------------ normalising
def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space: for matching headers and choices."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("æ", "ae").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _empty(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def _err(line: int | None, column: str | None, message: str) -> dict:
    return {"line": line, "column": column, "message": message}


# ------------------------------------------------------------------ reading files
@dataclass
class Sheet:
    """What a file holds before typing: headers and rows of raw cells, each with its line number."""

    headers: list[str]
    rows: list[list]
    lines: list[int]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_csv_text(text: str) -> Sheet:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    headers: list[str] | None = None
    rows, lines = [], []
    for rec in reader:
        if rec and rec[0].lstrip().startswith("#"):
            continue  # explanation lines, as in our templates
        if headers is None:
            if not any(c.strip() for c in rec):
                continue
            headers = rec
            continue
        rows.append(rec)
        lines.append(reader.line_num)
    return Sheet(headers or [], rows, lines)


def read_xlsx(data: bytes, sheet: str | None = None) -> Sheet:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise ValueError(f"La feuille « {sheet} » n'existe pas. Feuilles du classeur : {', '.join(wb.sheetnames)}.")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        headers: list[str] | None = None
        rows, lines = [], []
        for n, rec in enumerate(ws.iter_rows(values_only=True), start=1):
            rec = list(rec)
            if headers is None:
                if not any(not _empty(c) for c in rec):
                    continue
                headers = ["" if c is None else str(c) for c in rec]
                continue
            rows.append(rec)
            lines.append(n)
        return Sheet(headers or [], rows, lines)
    finally:
        wb.close()


def sheet_names(data: bytes) -> list[str]:
    """The sheets of an .xlsx workbook (empty for anything else or an unreadable workbook)."""
    if data[:4] != b"PK\x03\x04":
        return []
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # a corrupt workbook is reported by read_file
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_file(data: bytes, file_name: str = "", sheet: str | None = None) -> tuple[Sheet | None, list[dict]]:
    """Bytes of a CSV or XLSX file → Sheet, or a French error about the file as a whole."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [_err(None, None, "Le fichier est vide. Utilisez le modèle : une ligne d'en-têtes puis une ligne par valeur.")]
    if data[:4] == b"PK\x03\x04":
        try:
            return read_xlsx(data, sheet), []
        except ValueError as exc:
            return None, [_err(None, None, str(exc))]
        except (zipfile.BadZipFile, KeyError, OSError, Exception):  # openpyxl raises many kinds on bad files
            return None, [_err(None, None, "Le classeur Excel est illisible ou endommagé. Réenregistrez-le au format .xlsx ou en CSV (point-virgule).")]
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, [_err(None, None, "Les classeurs Excel 97-2003 (.xls) ne sont pas lus. Enregistrez le fichier au format .xlsx ou CSV (point-virgule).")]
    head = data[:4096]
    if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [_err(None, None, "Ce fichier n'est pas un fichier texte CSV ni un classeur Excel. Déposez un fichier .csv ou .xlsx.")]
    text = decode(data)
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
    if control > 8:
        return None, [_err(None, None, "Ce fichier n'est pas un fichier texte CSV ni un classeur Excel. Déposez un fichier .csv ou .xlsx.")]
    try:
        return read_csv_text(text), []
    except csv.Error as exc:
        return None, [_err(None, None, f"Le fichier CSV est mal formé ({exc}). Vérifiez les guillemets.")]


# ------------------------------------------------------------------ typing cells
_NUM_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'€%")
_RE_FR = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_RE_THOUSANDS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+$")
_RE_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
TRUE_WORDS = {"oui", "o", "vrai", "true", "yes", "y", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "no", "0"}


def parse_number(v):
    """French or plain number → float, None when unreadable (or beyond what a float holds, such as 1e400)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    s = str(v).strip().translate(_NUM_SPACES)
    s = s.replace("\u2212", "-")
    if not s:
        return None
    if "," in s:
        if not _RE_FR.match(s):
            return None
        s = s.replace(".", "").replace(",", ".")
    elif _RE_THOUSANDS_DOT.match(s):
        s = s.replace(".", "")
    elif not _RE_PLAIN.match(s):
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$"), ("d", "m", "yy")),
)


def parse_date(v):
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    for rx, order in _DATE_PATTERNS:
        m = rx.match(s)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups())))
            year = parts.get("y") or 2000 + parts["yy"]
            try:
                return date(year, parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def parse_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    f = fold(v)
    if f in TRUE_WORDS:
        return True
    if f in FALSE_WORDS:
        return False
    return None


def _choice_index(col: Column) -> dict:
    index = {}
    if isinstance(col.choices, dict):
        for code, label in col.choices.items():
            index[fold(code)] = code
            index[fold(label)] = code
    else:
        for code in col.choices:
            index[fold(code)] = code
    return index


def _text(v) -> str:
    """A cell as text; whole numbers from Excel lose their '.0'."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    return str(v).strip()


def _type_hint(col: Column) -> str:
    return {
        "int": "un nombre entier, par exemple 12",
        "float": "un nombre, par exemple 1 234,5",
        "date": "une date au format jj/mm/aaaa, par exemple 13/06/2018",
        "bool": "oui ou non",
    }.get(col.type, "un texte")


_UNREADABLE, _NOT_INT, _MISSING = object(), object(), object()


def _each_distinct(values: list, read: Callable) -> list:
    """`read` of every cell, computed once per distinct cell (a 100 000-row file has a few thousand distinct numbers
    and a handful of years); 2, 2.0 and True stay apart."""
    cache, out = {}, []
    for v in values:
        try:
            r = cache.get((v.__class__, v), _MISSING)
            if r is _MISSING:
                r = cache[(v.__class__, v)] = read(v)
        except TypeError:  # an unhashable cell
            r = read(v)
        out.append(r)
    return out


def _convert(col: Column, raw: pd.Series, lines: list[int], errors: list[dict], oui_non_numbers=False) -> pd.Series:
    """Raw cells of one column → typed values; unreadable cells become errors."""
    if col.type == "text":
        return pd.Series(_each_distinct(raw.tolist(), lambda v: None if _empty(v) else _text(v)), index=raw.index,
                         dtype=object)
    parser = {"int": parse_number, "float": parse_number, "date": parse_date, "bool": parse_bool}[col.type]

    def read(v):
        if _empty(v):
            return None
        if oui_non_numbers and isinstance(v, str) and fold(v) in ("oui", "non"):
            return 1.0 if fold(v) == "oui" else 0.0
        x = parser(v)
        if x is None or x != x:
            return _UNREADABLE
        if col.type == "int":
            return int(x) if float(x) == int(x) else _NOT_INT
        return x

    cells = raw.tolist()
    out = _each_distinct(cells, read)
    for marker, problem in ((_NOT_INT, "n'est pas un nombre entier"), (_UNREADABLE, "n'est pas lisible")):
        for i, r in enumerate(out):
            if r is marker:
                errors.append(_err(lines[i], col.header, f"« {cells[i]} » {problem} : écrivez {_type_hint(col)}."))
    return pd.Series([None if r is _UNREADABLE or r is _NOT_INT else r for r in out], index=raw.index, dtype=object)


# ------------------------------------------------------------------ context from the store
@dataclass
class Context:
    """What the validator needs to know about the store: existing keys of reference tables."""

    campuses: set = field(default_factory=set)
    objectives: dict = field(default_factory=dict)   # id -> (campus, level)
    indicators: dict = field(default_factory=dict)   # id -> (campus, unit)
    actions: dict = field(default_factory=dict)      # id -> set of campuses
    partners: set = field(default_factory=set)
    criteria: set = field(default_factory=set)

    @classmethod
    def from_store(cls, store, tables: set[str] | None = None) -> "Context":
        """The keys of the reference tables `tables` (every one when None): a file of indicator values needs campuses
        and indicators, not the 200 000 actions of a national store."""
        wanted = lambda name: tables is None or name in tables  # noqa: E731
        con = store.connect(build=False)  # a write is coming: no catalogue for a version about to be replaced
        try:
            q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
            ctx = cls()
            if wanted("campuses"):
                ctx.campuses = {r[0] for r in q("select campus_id from campuses")}
            if wanted("objectives"):
                ctx.objectives = {r[0]: (r[1], r[2]) for r in q("select objective_id, campus_id, level from objectives")}
            if wanted("indicators"):
                ctx.indicators = {r[0]: (r[1], r[2]) for r in q("select indicator_id, campus_id, unit from indicators")}
            if wanted("actions"):
                ctx.actions = {r[0]: _action_campuses(r[1], r[2])
                               for r in q("select action_id, campus_id, co_campuses from actions")}
            if wanted("partners"):
                ctx.partners = {r[0] for r in q("select partner_id from partners")}
            if wanted("criteria"):
                ctx.criteria = {r[0] for r in q("select criterion_no from criteria")}
            return ctx
        finally:
            con.close()


def _action_campuses(campus, co) -> set:
    out = {campus}
    if co:
        out |= {c.strip() for c in str(co).split(",") if c.strip()}
    return out


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
    mapping, warnings, errors, seen = {}, [], [], {}
    for i, h in enumerate(headers):
        if _empty(h):
            continue
        name = wanted.get(fold(h))
        if name is None:
            warnings.append(f"La colonne « {str(h).strip()} » n'est pas une colonne de « {t.label} » : elle est ignorée.")
            continue
        if name in seen:
            errors.append(_err(1, str(h).strip(), f"La colonne « {t.column(name).header} » apparaît deux fois ; gardez-en une seule."))
            continue
        seen[name] = i
        mapping[i] = name
    return mapping, warnings, errors


def parse(t: Table, sheet: Sheet, campus: str | None = None) -> Report:
    """Typed rows of table `t` from a sheet, with every reading error."""
    rep = Report(table=t.name)
    mapping, rep.warnings, rep.errors = match_headers(t, sheet.headers)
    if not mapping:
        expected = ", ".join(c.header for c in t.columns if c.required)
        rep.errors.append(_err(1, None, f"Aucune colonne de « {t.label} » n'a été reconnue. Ce fichier est-il le bon ? "
                                        f"Colonnes attendues : {expected}."))
        return rep
    present = set(mapping.values())
    if campus and "campus_id" in t.names and "campus_id" not in present:
        present.add("campus_id")
    required = [c for c in t.columns if c.required]
    missing = [c for c in required if c.name not in present]
    if len(missing) * 2 >= len(required):
        rep.errors.append(_err(1, None, f"Ce fichier ne ressemble pas à « {t.label} » : il y manque {len(missing)} colonne(s) "
                                        "obligatoire(s). Avez-vous choisi la bonne table ?"))
    for c in missing:
        rep.errors.append(_err(1, c.header, f"La colonne obligatoire « {c.header} » est absente. Ajoutez-la (voir le modèle)."))
    if missing:
        return rep
    keep, lines = [], []
    for rec, ln in zip(sheet.rows, sheet.lines):
        if any(not _empty(v) for v in rec):
            keep.append(rec)
            lines.append(ln)
    if not keep:
        rep.errors.append(_err(None, None, "Le fichier ne contient que des en-têtes : ajoutez au moins une ligne de données."))
        return rep
    width = max(mapping) + 1
    raw = pd.DataFrame([(list(r) + [None] * width)[:width] for r in keep], dtype=object)
    raw.index = range(len(raw))
    out = {}
    oui_non = t.name == "indicator_values"
    for i, name in mapping.items():
        col = t.column(name)
        out[name] = _convert(col, raw[i], lines, rep.errors, oui_non_numbers=oui_non and name in ("value", "target"))
    df = pd.DataFrame(out, index=raw.index)
    for name in df.columns:
        col = t.column(name)
        if col.choices:  # « En cours », « en cours », « EN_COURS » → en_cours; unknown values stay for the validator
            idx = _choice_index(col)
            df[name] = pd.Series(_each_distinct(df[name].tolist(), lambda v: None if v is None else idx.get(fold(v), v)),
                                 index=df.index, dtype=object)
    for c in t.columns:
        if c.name not in df.columns:
            df[c.name] = None
    if campus and "campus_id" in t.names:
        df["campus_id"] = df["campus_id"].map(lambda v: campus if v is None else v)
    rep.columns = [c.name for c in t.columns if c.name in present]
    rep.rows = df[t.names].astype(object)
    rep.rows = rep.rows.where(rep.rows.notna(), None)
    rep.lines = lines
    return rep


def validate(t: Table, rows: pd.DataFrame, lines: list[int], ctx: Context, *, campus: str | None = None,
             scope: set | None = None) -> list[dict]:
    """Every problem with typed rows, as (line, column, French message). Never raises on bad data."""
    errors: list[dict] = []
    H = lambda name: t.column(name).header  # noqa: E731
    this_year = date.today().year
    names = list(rows.columns)
    rec = [dict(zip(names, values)) for values in zip(*(rows[n].tolist() for n in names))]
    # references defined by this very file count as existing
    own = {name: {r[name] for r in rec if r.get(name) is not None} for name in t.key}
    campuses = ctx.campuses | (own.get("campus_id", set()) if t.name == "campuses" else set())
    objectives = dict(ctx.objectives)
    if t.name == "objectives":
        objectives.update({r["objective_id"]: (r["campus_id"], r["level"]) for r in rec if r["objective_id"]})
    actions = dict(ctx.actions)
    if t.name == "actions":
        actions.update({r["action_id"]: _action_campuses(r["campus_id"], r["co_campuses"]) for r in rec if r["action_id"]})
    indicators = dict(ctx.indicators)
    if t.name == "indicators":
        indicators.update({r["indicator_id"]: (r["campus_id"], r["unit"]) for r in rec if r["indicator_id"]})
    partners = ctx.partners | (own.get("partner_id", set()) if t.name == "partners" else set())
    criteria = ctx.criteria | (own.get("criterion_no", set()) if t.name == "criteria" else set())
    known = {"campuses": campuses, "objectives": objectives, "indicators": indicators, "actions": actions,
             "partners": partners, "criteria": criteria}
    choice_codes = {c.name: set(schema.choice_codes(c)) for c in t.columns if c.choices}
    seen_keys: dict = {}
    for i, r in enumerate(rec):
        ln = lines[i]
        for c in t.columns:
            v = r[c.name]
            if v is None:
                if c.required:
                    errors.append(_err(ln, c.header, f"La colonne « {c.header} » est obligatoire : elle ne peut pas être vide."))
                continue
            if c.choices and v not in choice_codes[c.name]:
                allowed = ", ".join(schema.choice_label(c, k) for k in schema.choice_codes(c))
                errors.append(_err(ln, c.header, f"« {v} » n'est pas une valeur possible. Écrivez l'une de : {allowed}."))
            if c.type in ("int", "float"):
                if c.name == "year" and not (2000 <= v <= this_year + 10):
                    errors.append(_err(ln, c.header, f"L'année {v} n'est pas plausible : écrivez une année entre 2000 et {this_year + 10}."))
                elif c.min is not None and v < c.min:
                    errors.append(_err(ln, c.header, f"La valeur {v:g} est trop petite : le minimum est {c.min:g}."))
                elif c.max is not None and v > c.max:
                    errors.append(_err(ln, c.header, f"La valeur {v:g} est trop grande : le maximum est {c.max:g}."))
            if c.ref and c.ref[0] in known and v not in known[c.ref[0]]:
                label = schema.table(c.ref[0]).label.lower()
                errors.append(_err(ln, c.header, f"« {v} » n'existe pas dans les {label}. Vérifiez l'identifiant ou importez d'abord les {label}."))
        # the campus chosen for the file, and the user's scope
        cid = r.get("campus_id") if t.campus_column else None
        if cid is not None:
            if campus and cid != campus:
                errors.append(_err(ln, H("campus_id"), f"Cette ligne concerne le campus {cid}, mais le fichier est importé pour {campus}."))
            if scope is not None and cid not in scope:
                errors.append(_err(ln, H("campus_id"), f"Vous ne pouvez pas importer de données pour le campus {cid} "
                                                       f"(vos campus : {', '.join(sorted(scope)) or 'aucun'})."))
        errors.extend(_row_rules(t, r, ln, objectives, indicators, actions, campuses))
        key = tuple(r[k] for k in t.key)
        if all(k is not None for k in key):
            if key in seen_keys:
                errors.append(_err(ln, H(t.key[-1]), f"Cette ligne a la même clé ({', '.join(map(str, key))}) que la ligne {seen_keys[key]} : gardez-en une seule."))
            else:
                seen_keys[key] = ln
        if len(errors) > MAX_ERRORS:
            errors.append(_err(None, None, f"Plus de {MAX_ERRORS} erreurs : corrigez celles-ci puis déposez à nouveau le fichier."))
            break
    return errors


def _row_rules(t: Table, r: dict, ln: int, objectives, indicators, actions, campuses) -> list[dict]:
    """Rules that involve several columns of one row."""
    errs = []
    H = lambda name: t.column(name).header  # noqa: E731
    if t.name == "indicator_values" and r["indicator_id"] in indicators:
        ind_campus, unit = indicators[r["indicator_id"]]
        if r["campus_id"] and ind_campus != r["campus_id"]:
            errs.append(_err(ln, H("indicator_id"), f"L'indicateur {r['indicator_id']} appartient au campus {ind_campus}, pas à {r['campus_id']}."))
        for name in ("value", "target"):
            v = r[name]
            if v is None:
                continue
            if unit == "pourcentage" and not 0 <= v <= 100:
                errs.append(_err(ln, H(name), f"Un pourcentage est compris entre 0 et 100 (ici {v:g})."))
            elif unit == "oui_non" and v not in (0, 1):
                errs.append(_err(ln, H(name), "Cet indicateur se renseigne par oui ou non."))
            elif unit in ("nombre", "euros") and v < 0:
                errs.append(_err(ln, H(name), f"La valeur ne peut pas être négative (ici {v:g})."))
    if t.name == "reach":
        if r["count"] is not None and r["women"] is not None and r["women"] > r["count"]:
            errs.append(_err(ln, H("women"), f"Le nombre de femmes ({r['women']}) dépasse le nombre total ({r['count']})."))
        if r["action_id"] in actions and r["campus_id"] and r["campus_id"] not in actions[r["action_id"]]:
            errs.append(_err(ln, H("action_id"), f"L'action {r['action_id']} n'est pas portée par le campus {r['campus_id']}."))
    if t.name == "actions":
        if r["start_date"] and r["end_date"] and r["end_date"] < r["start_date"]:
            errs.append(_err(ln, H("end_date"), "La date de fin précède la date de début."))
        for code in _action_campuses(None, r["co_campuses"]) - {None}:
            if code not in campuses:
                errs.append(_err(ln, H("co_campuses"), f"Le campus associé « {code} » n'existe pas."))
    if t.name == "objectives":
        if r["level"] == "strategique" and r["parent_id"]:
            errs.append(_err(ln, H("parent_id"), "Un objectif stratégique n'a pas d'objectif parent : laissez la case vide."))
        if r["level"] in ("operationnel", "realisation") and not r["parent_id"]:
            errs.append(_err(ln, H("parent_id"), "Indiquez l'objectif parent (un objectif stratégique ou opérationnel)."))
        parent = objectives.get(r["parent_id"]) if r["parent_id"] else None
        if parent and parent[0] != r["campus_id"]:
            errs.append(_err(ln, H("parent_id"), f"L'objectif parent {r['parent_id']} appartient au campus {parent[0]}."))
        if r["parent_id"] and r["parent_id"] == r["objective_id"]:
            errs.append(_err(ln, H("parent_id"), "Un objectif ne peut pas être son propre parent."))
    if t.name == "indicators" and r["objective_id"] in objectives:
        if objectives[r["objective_id"]][0] != r["campus_id"]:
            errs.append(_err(ln, H("objective_id"), f"L'objectif {r['objective_id']} appartient à un autre campus."))
    if t.name == "action_objectives":
        if r["objective_id"] in objectives and objectives[r["objective_id"]][0] != r["campus_id"]:
            errs.append(_err(ln, H("objective_id"), f"L'objectif {r['objective_id']} appartient à un autre campus."))
        if r["action_id"] in actions and r["campus_id"] not in actions[r["action_id"]]:
            errs.append(_err(ln, H("action_id"), f"L'action {r['action_id']} n'est pas portée par le campus {r['campus_id']}."))
    return errs


# ------------------------------------------------------------------ diff against the store


def _key_text(t: Table, df: pd.DataFrame) -> pd.Series:
    """One comparable text per row for the key columns (2018, 2018.0 and "2018" are the same year)."""
    parts = []
    for k in t.key:
        col = df[k]
        if t.column(k).type == "int":
            col = pd.to_numeric(col, errors="coerce").astype("Int64")
        parts.append(col.astype(str).where(col.notna(), ""))
    return parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]


def _same_column(kind: str, new: pd.Series, old: pd.Series) -> pd.Series:
    """Cell by cell over a column: both unknown, or equal (numbers to 1e-9, dates by day)."""
    na_new, na_old = new.isna(), old.isna()
    both = ~na_new & ~na_old
    if kind in ("int", "float"):
        a = pd.to_numeric(new.where(both), errors="coerce").astype(float)
        b = pd.to_numeric(old.where(both), errors="coerce").astype(float)
        equal = (a - b).abs() < 1e-9
    elif kind == "date":
        equal = (pd.to_datetime(new.where(both), errors="coerce").dt.date
                 == pd.to_datetime(old.where(both), errors="coerce").dt.date)
    else:
        equal = new.where(both).astype(object) == old.where(both).astype(object)
    return (na_new & na_old) | (both & equal.fillna(False).astype(bool))


def diff(t: Table, rows: pd.DataFrame, current: pd.DataFrame, columns: list[str] | None = None
         ) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Per row 'insert' | 'update' | 'same', the changed cells (old → new), and the rows to store.

    Columns the file does not have keep their current values: a file with only « Valeur » does not erase comments.
    Column by column over the whole file (a 100 000-row file is compared in a fraction of a second).
    """
    present = set(columns or t.names)
    keys = list(t.key)
    new = rows.reindex(columns=t.names).astype(object)
    old_rows = current.reindex(columns=t.names).astype(object)
    position = pd.Series(range(len(old_rows)), index=_key_text(t, old_rows).values)
    position = position[~position.index.duplicated(keep="last")]
    found = _key_text(t, new).map(position)
    exists = found.notna().values
    old = old_rows.iloc[found[exists].astype(int).values].set_index(rows.index[exists])
    merged = new.copy()
    changed = pd.DataFrame(False, index=rows.index[exists], columns=[c.name for c in t.columns if c.name not in keys])
    for c in t.columns:
        if c.name in keys:
            continue
        if c.name not in present:  # kept as it is
            merged.loc[exists, c.name] = old[c.name].values
        else:
            changed[c.name] = ~_same_column(c.type, new.loc[exists, c.name], old[c.name]).values
    kinds = pd.Series("insert", index=rows.index, dtype=object)
    kinds[exists] = np.where(changed.any(axis=1).values, "update", "same") if len(changed.columns) else "same"
    changes = []
    for index, row in changed[changed.any(axis=1)].iterrows():  # only the changed cells are listed one by one
        key = " · ".join(str(new.at[index, k]) for k in keys)
        for name in row.index[row.values]:
            changes.append({"key": key, "column": t.column(name).header, "old": old.at[index, name],
                            "new": merged.at[index, name]})
    merged = merged.where(merged.notna(), None)
    return kinds, pd.DataFrame(changes, columns=["key", "column", "old", "new"]), merged


# ------------------------------------------------------------------ the whole path
def check(store, table_name: str, data: bytes, file_name: str = "", *, campus: str | None = None,
          scope: set | None = None, sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT,
          context: Context | None = None) -> Report:
    """Read, type, validate and diff a file without writing anything."""
    t = schema.table(table_name)
    rep = Report(table=t.name, file_name=file_name, sha256=hashlib.sha256(data or b"").hexdigest())
    if len(data or b"") > max_bytes:
        rep.errors = [_err(None, None, f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo. "
                                       "Découpez-le (par exemple un fichier par année).")]
        return rep
    sheet_data, errs = read_file(data, file_name, sheet)
    if errs:
        rep.errors = errs
        return rep
    parsed = parse(t, sheet_data, campus)
    rep.warnings, rep.errors = parsed.warnings, parsed.errors
    if parsed.rows is None:
        return rep
    ctx = context or Context.from_store(store, {c.ref[0] for c in t.columns if c.ref})  # every rule checks a reference
    unreadable = {(e["line"], e["column"]) for e in parsed.errors}  # one message per bad cell is enough
    rep.errors += [e for e in validate(t, parsed.rows, parsed.lines, ctx, campus=campus, scope=scope)
                   if (e["line"], e["column"]) not in unreadable]
    rep.errors.sort(key=lambda e: (e["line"] is not None, e["line"] or 0))
    rep.rows, rep.lines, rep.columns = parsed.rows, parsed.lines, parsed.columns
    if rep.errors:
        return rep
    kinds, rep.changes, merged = diff(t, rep.rows, store.current(t.name, build=False), rep.columns)
    rep.rows = merged.assign(_change=kinds.values)
    rep.inserted = int((kinds == "insert").sum())
    rep.updated = int((kinds == "update").sum())
    rep.unchanged = int((kinds == "same").sum())
    rep.status = "valid" if rep.inserted + rep.updated else "unchanged"
    return rep


def import_bytes(store, table_name: str, data: bytes, file_name: str = "", *, user: str = "",
                 campus: str | None = None, scope: set | None = None, dry_run: bool = False,
                 sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> Report:
    """Check a file and, when it is clean and changes something, commit it as one batch in the name of account `user`.

    A director's file is checked against their campuses line by line; the store refuses the write anyway
    when the account may not make it (the refusal comes back as the report's error, nothing written).
    """
    with store.lock:  # validation and commit see the same store state
        if scope is None:
            scope = auth.campus_scope(store.account(user))
        rep = check(store, table_name, data, file_name, campus=campus, scope=scope, sheet=sheet, max_bytes=max_bytes)
        if dry_run or rep.status != "valid":
            return rep
        changed = rep.rows[rep.rows["_change"] != "same"].drop(columns="_change")
        campuses = sorted({c for c in changed.get("campus_id", pd.Series(dtype=object)).dropna()})
        try:
            res = store.commit(
                table_name, changed, file_name=file_name, sha256=rep.sha256, user=user,
                campus_id=campuses[0] if len(campuses) == 1 else (",".join(campuses) or None),
                counts={"rows": len(rep.rows), "inserted": rep.inserted, "updated": rep.updated, "unchanged": rep.unchanged},
            )
        except StoreError as exc:
            rep.status = "rejected"
            rep.errors.append(_err(None, None, str(exc)))
            return rep
        rep.status, rep.batch_id = "committed", res.batch_id
        return rep
