"""File → rows: encoding, delimiter and number detection, XLSX, header matching, validation, diff → report."""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from cmq.core import fmt, permissions, queries, schema, steering
from cmq.core.schema import Column, Table
from cmq.core.store import StoreError

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
MAX_ROWS = 500_000  # lines of data a file may hold (a national year of indicator values is ~20 000)
XLSX_UNZIPPED_MAX = 200 * 1024 * 1024  # what a workbook may unpack to: a zip bomb is refused before it is opened
# Excel's error values, in English and French, as a cell (or a CSV export of it) shows them
EXCEL_ERRORS = {"#N/A", "#NA", "#DIV/0!", "#VALUE!", "#VALEUR!", "#REF!", "#NAME?", "#NOM?", "#NUM!", "#NOMBRE!",
                "#NULL!", "#NUL!", "#SPILL!", "#PROPAGATION!", "#CALC!", "#GETTING_DATA", "#N/A N/A"}


class FileProblem(ValueError):
    """What makes a whole file unreadable, in French."""


@dataclass
class Grid:
    """What a file holds before typing: headers and rows of raw cells, each with its line number, and the problems
    of single cells found while reading (a formula Excel never computed, a line with more cells than headers)."""

    headers: list[str]
    rows: list[list]
    lines: list[int]
    errors: list[dict] = field(default_factory=list)


def _too_many_rows() -> FileProblem:
    return FileProblem(f"Le fichier compte plus de {fmt.number(MAX_ROWS)} lignes de données : découpez-le (par "
                       "exemple un fichier par année ou par campus).")


# Letters a French text holds: the encoding that gives more of them is the one the file was written in.
_FRENCH = "éèêëàâäçîïôöùûüœÉÈÊÀÇÔŒ«»’"
_MAC_LETTERS = re.compile(rb"[\x80-\x9f]")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Latin-1 for its five unused bytes); a Mac OS Roman file
    (« Ž » where « é » was meant) is refused rather than committed garbled."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_LETTER.search(data):  # a UTF-8 file with a few foreign bytes (a line pasted from elsewhere)
        return _decode_lines(data)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not _MAC_LETTERS.search(data):  # Mac OS Roman writes French accented letters in 0x80–0x9F only
        return text
    mac = data.decode("mac_roman")
    french = lambda t: sum(t.count(ch) for ch in _FRENCH)  # noqa: E731
    if french(mac) > french(text):
        line = next(n for n, (a, b) in enumerate(zip(text.splitlines(), mac.splitlines()), start=1) if a != b)
        raise FileProblem(f"Ce fichier semble enregistré en « Mac OS Roman » (ligne {line} : « {_first_diff(text, mac)} »"
                          " au lieu des lettres accentuées). Dans Excel, enregistrez-le au format « CSV UTF-8 » "
                          "ou « CSV (séparateur : point-virgule) », puis déposez-le à nouveau.")
    return text


_UTF8_LETTER = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")  # a letter written in UTF-8 (é is C3 A9)


def _decode_lines(data: bytes) -> str:
    """A UTF-8 file one of whose lines holds bytes of another encoding: each line read as UTF-8, and a line that is
    not UTF-8 as Windows-1252 (its « é » is the single byte E9) — never the whole file re-read for one byte."""
    out = []
    for line in data.split(b"\n"):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
    return "\n".join(out)


def _first_diff(text: str, mac: str) -> str:
    """The first word the two readings disagree on, as the wrong one shows it."""
    i = next(i for i, (a, b) in enumerate(zip(text, mac)) if a != b)
    start = max(text.rfind(" ", 0, i), text.rfind(";", 0, i), text.rfind("\n", 0, i)) + 1
    ends = [j for j in (text.find(" ", i), text.find(";", i), text.find("\n", i)) if j >= 0]
    return text[start:min(ends) if ends else len(text)].strip()[:40]


def _comment(rec: list[str]) -> bool:
    """A line of explanation (our templates write them): one cell starting with # and nothing else. Excel's error
    values (#N/A…) are data, never comments."""
    if not rec or not rec[0].lstrip().startswith("#") or rec[0].strip().upper() in EXCEL_ERRORS:
        return False
    return not any(c.strip() for c in rec[1:])


def _delimiter(text: str) -> str:
    """The delimiter of the header line (the first one neither empty nor a # comment): ; tab or ,."""
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


_DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)


def read_csv_text(text: str) -> Grid:
    """Headers and rows of a CSV text. Excel's « sep=; » first line names the delimiter; # lines are explanations;
    a quote left open, a line with more cells than headers or a cell over the size limit is an error with its line."""
    if "\r" in text and "\n" not in text:  # old Mac line ends (carriage returns only)
        text = text.replace("\r", "\n")
    lines_of_text = text.split("\n", 1)
    forced = _SEP_LINE.match(lines_of_text[0].rstrip("\r"))
    skip = 1 if forced else 0
    if forced:
        text = lines_of_text[1] if len(lines_of_text) > 1 else ""
    delimiter = forced.group(1) if forced else _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows, lines, errors = [], [], []
    previous_end = 0
    quoted = '"' in text  # only a quoted cell can hold a line break
    try:
        for rec in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if _comment(rec):
                continue
            if headers is None:
                if not any(c.strip() for c in rec):
                    continue
                headers = rec
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows()
            # a quote left open swallows the next lines into one cell: they show as lines full of delimiters
            record_like = max(1, (len(headers) - 1) // 2)
            if quoted and reader.line_num > start and any(
                    "\n" in c and any(part.count(delimiter) >= record_like for part in c.split("\n")[1:]) for c in rec):
                raise FileProblem(f"Ligne {start + skip} : un guillemet ouvert n'est pas refermé dans sa cellule, qui "
                                  f"avale les lignes suivantes (jusqu'à la ligne {reader.line_num + skip}). Fermez le "
                                  "guillemet (ou retirez-le) puis déposez à nouveau le fichier.")
            # more cells than headers: values would shift. In a comma file even empty ones (« 3,5, » is a decimal
            # comma that made one cell two); elsewhere trailing empty cells are harmless
            extra = [c for c in rec[len(headers):] if c.strip() or delimiter == ","] if len(rec) > len(headers) else None
            if extra:
                hint = (" Dans un fichier séparé par des virgules, une virgule décimale (« 3,5 ») coupe le nombre en "
                        "deux : mettez ces nombres entre guillemets ou enregistrez le fichier avec le point-virgule."
                        if delimiter == "," else "")
                errors.append(_err(start + skip, None, f"Cette ligne a {len(headers) + len(extra)} cellules "
                                                       f"pour {len(headers)} colonnes d'en-tête : les valeurs seraient "
                                                       f"décalées.{hint}"))
            elif len(rec) == 1 and len(headers) > 1 and (other := next(
                    (d for d in (";", ",", "\t") if d != delimiter and d in rec[0] and rec[0].count(d) >= len(headers) // 2),
                    None)):
                errors.append(_err(start + skip, None, f"Cette ligne tient en une seule cellule, séparée par "
                                                       f"« {_DELIMITER_NAMES[other]} » alors que le fichier l'est par "
                                                       f"« {_DELIMITER_NAMES[delimiter]} » : « {rec[0][:60]} ». "
                                                       "Séparez ses valeurs comme les autres lignes."))
            rows.append(rec)
            lines.append(start + skip)
    except csv.Error as exc:
        line = reader.line_num + skip
        if "field larger than field limit" in str(exc):
            raise FileProblem(f"Ligne {line} : une cellule dépasse {fmt.number(csv.field_size_limit())} caractères. "
                              "Raccourcissez-la (un commentaire tient en quelques lignes).") from None
        raise FileProblem(f"Ligne {line} : le fichier CSV est mal formé (un guillemet au milieu d'une cellule ?). "
                          "Vérifiez les guillemets de cette ligne.") from None
    return Grid(headers or [], rows, lines, errors)


def _percent_format(fmt_code: str | None) -> bool:
    """A number format that shows a fraction as a percentage (« 45 % » for 0.45); % in quotes is literal text."""
    return bool(fmt_code) and "%" in re.sub(r'"[^"]*"|\\.', "", fmt_code)


def _xlsx_guard(data: bytes, find_formulas: bool = True) -> bool:
    """Refuse a workbook that would unpack to more than XLSX_UNZIPPED_MAX (the sizes its zip declares bound what
    reading can inflate); True when a worksheet holds formulas (looked for only when asked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = z.infolist()
        if sum(m.file_size for m in members) > XLSX_UNZIPPED_MAX:
            raise FileProblem(f"Ce classeur se décompresse en plus de {XLSX_UNZIPPED_MAX // (1024 * 1024)} Mo : il est "
                              "refusé. Enregistrez les données utiles seules, au format .xlsx ou CSV (point-virgule).")
        formulas = False
        for m in members if find_formulas else ():
            if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                with z.open(m) as fh:
                    while chunk := fh.read(1 << 20):
                        if b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk or b":f " in chunk:
                            formulas = True
                            break
        return formulas


def read_xlsx(data: bytes, sheet: str | None = None) -> Grid:
    """The first visible sheet (or `sheet`) of a workbook. Cells show what Excel shows: a percent-formatted 0.45 is
    45; a formula is its value as Excel last computed it, and a formula never computed (a file written by a script)
    is an error on its line, never an empty cell."""
    import openpyxl

    formulas = _xlsx_guard(data)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise FileProblem(f"La feuille « {sheet} » n'existe pas. Feuilles du classeur : {', '.join(wb.sheetnames)}.")
            ws = wb[sheet]
        else:
            visible = [w for w in wb.worksheets if w.sheet_state == "visible"]
            ws = (visible or wb.worksheets)[0]
        # what the sheet holds, never the size its <dimension> declares (other tools write one that lies: rows or
        # columns beyond it would vanish, or 16 384 empty columns would be made for every line)
        ws.reset_dimensions()
        headers: list[str] | None = None
        rows, lines, empty_cells = [], [], []
        for n, cells in enumerate(ws.iter_rows(), start=1):
            rec = []
            for i, c in enumerate(cells):
                v = c.value
                if isinstance(v, (int, float)) and not isinstance(v, bool) and _percent_format(c.number_format):
                    v = round(v * 100, 10)
                elif v is None and formulas:  # a formula Excel never computed reads as empty
                    empty_cells.append((n, i))
                rec.append(v)
            if headers is None:
                if not any(not _empty(c) for c in rec):
                    continue
                headers = ["" if c is None else str(c) for c in rec]
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows()
            rows.append(rec)
            lines.append(n)
        errors = _uncomputed(data, ws.title, set(empty_cells), headers or []) if formulas else []
        return Grid(headers or [], rows, lines, errors)
    finally:
        wb.close()


def _uncomputed(data: bytes, title: str, empty: set, headers: list[str]) -> list[dict]:
    """Cells of sheet `title` that hold a formula but no value Excel computed (they read as empty)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        out = []
        for n, rec in enumerate(wb[title].iter_rows(values_only=True), start=1):
            for i, v in enumerate(rec):
                if (n, i) in empty and v is not None and (not isinstance(v, str) or v.startswith("=")):
                    column = headers[i] if i < len(headers) and headers[i] else None
                    out.append(_err(n, column, f"Cette cellule contient une formule ({str(getattr(v, 'text', v))[:60]}) "
                                               "dont Excel n'a jamais calculé la valeur (fichier produit par un "
                                               "programme ?). Ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le, "
                                               "puis déposez-le à nouveau."))
        return out
    finally:
        wb.close()


def sheet_names(data: bytes) -> list[str]:
    """The visible sheets of an .xlsx workbook (empty for anything else or an unreadable workbook)."""
    if data[:4] != b"PK\x03\x04":
        return []
    import openpyxl

    try:
        _xlsx_guard(data, find_formulas=False)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # a corrupt workbook or a zip bomb is reported by read_file
        return []
    try:
        return [w.title for w in wb.worksheets if w.sheet_state == "visible"]
    finally:
        wb.close()


def read_file(data: bytes, file_name: str = "", sheet: str | None = None) -> tuple[Grid | None, list[dict]]:
    """Bytes of a CSV or XLSX file → Grid, or a French error about the file as a whole."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [_err(None, None, "Le fichier est vide. Utilisez le modèle : une ligne d'en-têtes puis une ligne par valeur.")]
    try:
        if data[:4] == b"PK\x03\x04" and data[30:38] == b"mimetype" and b"opendocument" in data[38:120]:
            raise FileProblem("Ce classeur est au format OpenDocument (.ods : LibreOffice, OpenOffice), que l'import ne "
                              "lit pas. Dans LibreOffice : Fichier › Enregistrer sous…, type « Excel 2007-365 (.xlsx) » "
                              "ou « Texte CSV (.csv) » avec le point-virgule pour séparateur, puis déposez ce fichier.")
        if data[:4] == b"PK\x03\x04":
            try:
                return read_xlsx(data, sheet), []
            except FileProblem:
                raise
            except Exception:  # openpyxl raises many kinds (with English messages) on bad files
                raise FileProblem("Le classeur Excel est illisible ou endommagé. Réenregistrez-le au format .xlsx ou "
                                  "en CSV (point-virgule).") from None
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise FileProblem("Les classeurs Excel 97-2003 (.xls) ne sont pas lus. Dans Excel : Fichier › Enregistrer "
                              "sous, type « Classeur Excel (.xlsx) » ou « CSV (séparateur : point-virgule) », puis "
                              "déposez ce fichier.")
        head = data[:4096]
        not_text = FileProblem("Ce fichier n'est pas un fichier texte CSV ni un classeur Excel. Déposez un fichier .csv "
                               "ou .xlsx.")
        if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise not_text
        text = decode(data)
        if sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t") > 8:
            raise not_text
        return read_csv_text(text), []
    except FileProblem as exc:
        return None, [_err(None, None, str(exc))]


# ------------------------------------------------------------------ typing cells
_NUM_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'€%")
_RE_FR = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_RE_THOUSANDS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+$")
_RE_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
TRUE_WORDS = {"oui", "o", "vrai", "true", "yes", "y", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "no", "0"}
YES_NO_WORDS = (TRUE_WORDS | FALSE_WORDS) - {"1", "0"}  # words (not 1 and 0) that answer an oui/non indicator


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
TWO_DIGIT_YEARS_AHEAD = 10  # « 15/03/27 » is 2027 up to ten years from now, else the century before (« 31/12/99 »: 1999)


def century_of(yy: int, today: date | None = None) -> int:
    """A two-digit year read by a window around today: at most TWO_DIGIT_YEARS_AHEAD years ahead, else in the past."""
    this = (today or date.today()).year
    year = this - this % 100 + yy
    return year - 100 if year > this + TWO_DIGIT_YEARS_AHEAD else year


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
            year = parts["y"] if "y" in parts else century_of(parts["yy"])
            try:
                return date(year, parts["m"], parts["d"])
            except ValueError:  # « 00/00/0000 », « 31/02/2018 », year 0
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
    text = str(v).strip()
    # our CSV exports and templates write « '=… » for a text a spreadsheet would run as a formula: the text is « =… »
    return text[1:] if text[:1] == "'" and text[1:2] and text[1:2] in fmt.FORMULA_START else text


def _type_hint(col: Column) -> str:
    if col.years_ahead is not None:
        return "une année à quatre chiffres, par exemple 2018"
    return {
        "int": "un nombre entier, par exemple 12",
        "float": "un nombre, par exemple 1 234,5",
        "date": "une date au format jj/mm/aaaa, par exemple 13/06/2018",
        "bool": "oui ou non",
    }.get(col.type, "un texte")


class _Problem:
    """What reading a cell found wrong (one instance per kind; a cell's reading is either a value or one of these)."""


_MISSING = object()
_UNREADABLE, _NOT_INT, _AMBIGUOUS, _TOO_BIG, _EXCEL_ERROR, _TOO_PRECISE, _GARBLED = (_Problem() for _ in range(7))
# what UTF-8 French looks like read as Windows-1252: « Ã© » for é, « Ã¨ » for è, « Ã  » for à, « â€™ » for ’…
# (« à » is C3 A0: « Ã » and a no-break space, which a cell's trimming may have taken off)
_MOJIBAKE = re.compile("Ã[\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u02c6\u2013-\u203a\u20ac\u2122]|Ã(?=\\s|$)"
                       "|â€|Å“|Â[«»\u00a0°]")


def repaired(text: str) -> str | None:
    """The text a garbled one was, when the repair is certain (it reads back as UTF-8 with no garbling left)."""
    try:
        meant = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return meant if not _MOJIBAKE.search(meant) else None
SIGNIFICANT_DIGITS = 15  # what a number keeps exactly in every layer (and in Excel): a longer one would be changed


def significant_digits(text: str) -> int:
    """How many significant digits a number written as text has (« 0,000120 » has 2, « 9007199254740993 » 16)."""
    mantissa = re.split(r"[eE]", text.strip().translate(_NUM_SPACES))[0]
    whole, _, decimals = mantissa.replace(",", ".").rpartition(".") if re.search(r"[.,]\d*$", mantissa) else (mantissa, "", "")
    digits = (re.sub(r"\D", "", whole) + decimals.rstrip("0")).lstrip("0")
    return len(digits)


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


class YesNo(float):
    """1.0 or 0.0 read from a yes/no answer (oui, non, VRAI, FALSE, Excel's TRUE): a number for an oui/non indicator,
    an error for any other unit."""

    yes_no = True

    def __repr__(self) -> str:
        return "oui" if self else "non"


_RE_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")  # 1.234: a thousand and more, or one and a bit?
INT_MAX = 2 ** 53  # the largest whole number every layer (Parquet, DuckDB, pandas, JSON) holds exactly


def _cell_problem(marker, cell, col: Column) -> str:
    shown = str(cell).strip()
    if marker is _AMBIGUOUS:
        return (f"« {shown} » est ambigu : écrivez {shown.replace('.', '')} (ou {shown.replace('.', ' ')}) pour un "
                f"nombre entier, ou {shown.replace('.', ',')} avec une virgule décimale.")
    if marker is _TOO_BIG:
        return f"« {shown} » est trop grand : écrivez un nombre entier de moins de 16 chiffres."
    if marker is _TOO_PRECISE:
        return (f"« {shown} » a plus de {SIGNIFICANT_DIGITS} chiffres significatifs : il ne serait pas enregistré tel "
                "quel. Arrondissez-le.")
    if marker is _GARBLED:
        text = str(cell).strip()
        meant = repaired(text)
        return (f"« {fmt.short(text, 60)} » a été mal décodé (un fichier UTF-8 ouvert puis réenregistré dans un autre "
                "encodage)" + (f" : le texte voulu est sans doute « {fmt.short(meant, 60)} »" if meant else "")
                + ". Corrigez ce texte, ou reprenez le fichier d'origine et enregistrez-le en « CSV UTF-8 ».")
    if marker is _EXCEL_ERROR:
        return f"La cellule contient l'erreur Excel « {shown} » : corrigez la formule dans le classeur ou videz la cellule."
    if marker is _NOT_INT:
        return f"« {cell} » n'est pas un nombre entier : écrivez {_type_hint(col)}."
    return f"« {cell} » n'est pas lisible : écrivez {_type_hint(col)}."


def _convert(col: Column, raw: pd.Series, lines: list[int], errors: list[dict], yes_no_numbers=False) -> pd.Series:
    """Raw cells of one column → typed values; unreadable, ambiguous or Excel-error cells become errors."""
    if col.type == "text":
        def read(v):
            if _empty(v):
                return None
            text = _text(v)
            if _MOJIBAKE.search(text):
                return _GARBLED
            return _EXCEL_ERROR if text.upper() in EXCEL_ERRORS else text
    else:
        parser = {"int": parse_number, "float": parse_number, "date": parse_date, "bool": parse_bool}[col.type]

        def read(v):
            if _empty(v):
                return None
            if isinstance(v, str):
                text = v.strip()
                if text.upper() in EXCEL_ERRORS:
                    return _EXCEL_ERROR
                if col.type in ("int", "float") and _RE_AMBIGUOUS.match(text.translate(_NUM_SPACES)):
                    return _AMBIGUOUS
                if col.type in ("int", "float") and significant_digits(text) > SIGNIFICANT_DIGITS:
                    return _TOO_BIG if col.type == "int" else _TOO_PRECISE
            if yes_no_numbers and (isinstance(v, bool) or isinstance(v, str) and fold(v) in YES_NO_WORDS):
                return YesNo(parse_bool(v))
            x = parser(v)
            if x is None or x != x:
                return _UNREADABLE
            if col.type == "int":
                if abs(x) >= INT_MAX:
                    return _TOO_BIG
                return int(x) if float(x) == int(x) else _NOT_INT
            return x

    cells = raw.tolist()
    out = _each_distinct(cells, read)
    bad = [i for i, r in enumerate(out) if r.__class__ is _Problem]
    for i in bad:
        errors.append(_err(lines[i], col.header, _cell_problem(out[i], cells[i], col)))
        out[i] = None
    return pd.Series(out, index=raw.index, dtype=object)


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
                ctx[name] = _known(schema.table(name), [d[0] for d in cur.description], cur.fetchall())
            return ctx
        finally:
            con.close()


# the tables rows point to, and the query that lists each one's keys
KNOWN = {"campuses": "known_campuses", "objectives": "known_objectives", "indicators": "known_indicators",
         "actions": "known_actions", "partners": "known_partners", "criteria": "known_criteria"}


def _known(t: Table, columns: list[str], records) -> dict:
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
        if _empty(h):
            continue
        name = wanted.get(fold(h))
        if name is None and fold(h).endswith(fold(schema.FOR_INFORMATION)):
            continue  # a column for the reader (the template's titles and units)
        if name is None:
            unknown.append(str(h).strip()[:60])
            continue
        if name in seen:
            errors.append(_err(1, str(h).strip(), f"La colonne « {t.column(name).header} » apparaît deux fois ; gardez-en une seule."))
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
    empty = {v for v in {v for row in cells for v in row} if _empty(v)}  # each distinct cell judged once
    filled = [any(v not in empty and v == v for v in row) for row in cells]  # v == v: a NaN is empty too
    blank = filled.count(False)
    what = ", ".join(f"« {t.column(n).header} »" for n in t.fill_columns)
    if blank == len(keep):
        rep.errors.append(_err(None, None, f"Aucune ligne n'est remplie : écrivez au moins l'une des colonnes {what} "
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
    if t.fill_columns and keep:
        keep, lines = _filled(t, mapping, keep, lines, rep)
        if not keep:
            return rep
    if not keep:
        rep.errors.append(_err(None, None, "Le fichier ne contient que des en-têtes : ajoutez au moins une ligne de données."))
        return rep
    width = max(mapping) + 1
    raw = pd.DataFrame([(list(r) + [None] * width)[:width] for r in keep], dtype=object)
    raw.index = range(len(raw))
    out = {}
    for i, name in mapping.items():
        col = t.column(name)
        out[name] = _convert(col, raw[i], lines, rep.errors, yes_no_numbers=col.yes_no)
    df = pd.DataFrame(out, index=raw.index)
    for name in df.columns:
        col = t.column(name)
        if col.choices:  # « En cours », « en cours », « EN_COURS » → en_cours; unknown values stay for the validator
            idx = _choice_index(col)
            df[name] = pd.Series(_each_distinct(df[name].tolist(), lambda v, idx=idx: None if v is None else idx.get(fold(v), v)),
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


def _closest(code, known) -> str | None:
    """The known code closest to a mistyped one (« AGT-I9 » → « AGT-I09 »), among those of the same prefix."""
    text = str(code)
    prefix = text.split("-", 1)[0]
    pool = [str(k) for k in known if str(k).startswith(prefix)][:5000]
    bare = lambda c: re.sub(r"\d+", lambda m: str(int(m.group())), c.casefold())  # noqa: E731 (I9 = I09 = i09)
    same = [k for k in pool if bare(k) == bare(text)]
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(text, pool, n=1, cutoff=0.75)
    return close[0] if close else None


def validate(t: Table, rows: pd.DataFrame, lines: list[int], ctx: Context, *, campus: str | None = None,
             scope: set | None = None) -> list[dict]:
    """Every problem with typed rows, as (line, column, French message). Never raises on bad data."""
    errors: list[dict] = []
    H = lambda name: t.column(name).header  # noqa: E731
    this_year = date.today().year
    names = list(rows.columns)
    rec = [dict(zip(names, values)) for values in zip(*(rows[n].tolist() for n in names))]
    # rows this very file defines count as existing for the references of the file
    known = dict(ctx)
    known["narrative_gap"] = steering.narrative_gap()  # a setting the rules read, once per file
    if len(t.key) == 1 and t.name in KNOWN:
        own = [r for r in rec if r[t.key[0]] is not None]
        known[t.name] = {**ctx.get(t.name, {}), **_known(t, names, [[r[n] for n in names] for r in own])}
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
                if c.years_ahead is not None and not (c.min <= v <= this_year + c.years_ahead):
                    errors.append(_err(ln, c.header, f"L'année {v} n'est pas plausible : écrivez une année entre "
                                                     f"{c.min:g} et {this_year + c.years_ahead}."))
                elif v < c.bounds[0]:
                    errors.append(_err(ln, c.header, f"La valeur {fmt.number(v, 6)} est trop petite : le minimum est "
                                                     f"{fmt.number(c.bounds[0])}."))
                elif v > c.bounds[1]:
                    errors.append(_err(ln, c.header, f"La valeur {fmt.number(v, 6)} est trop grande : le maximum est "
                                                     f"{fmt.number(c.bounds[1])}."))
            if c.type == "date" and not (schema.DATE_MIN <= v <= date(this_year + schema.DATE_YEARS_AHEAD, 12, 31)):
                errors.append(_err(ln, c.header, f"La date du {fmt.day(v)} n'est pas plausible : écrivez une date entre "
                                                 f"le {fmt.day(schema.DATE_MIN)} et le 31 décembre "
                                                 f"{this_year + schema.DATE_YEARS_AHEAD}."))
            if c.ref and c.ref[0] in known and v not in known[c.ref[0]]:
                label = schema.table(c.ref[0]).label.lower()
                near = _closest(v, known[c.ref[0]])
                errors.append(_err(ln, c.header, f"« {v} » n'existe pas dans les {label}"
                                                 + (f" (voulez-vous dire « {near} » ?)" if near else "")
                                                 + f". Vérifiez l'identifiant ou importez d'abord les {label}."))
        # the campus chosen for the file, and the user's scope
        cid = r.get("campus_id") if t.campus_column else None
        if cid is None and t.campus_column and scope is not None:
            errors.append(_err(ln, H("campus_id"), "Une ligne sans campus concerne toute la région : seul un "
                                                   "administrateur peut l'importer. Indiquez votre campus."))
        if cid is not None:
            if campus and cid != campus:
                errors.append(_err(ln, H("campus_id"), f"Cette ligne concerne le campus {cid}, mais le fichier est importé pour {campus}."))
            if scope is not None and cid not in scope:
                errors.append(_err(ln, H("campus_id"), f"Vous ne pouvez pas importer de données pour le campus {cid} "
                                                       f"(vos campus : {', '.join(sorted(scope)) or 'aucun'})."))
        for rule in t.rules:
            errors += [_err(ln, H(name), message) for name, message in rule(r, known)]
        key = tuple(r[k] for k in t.key)
        if all(k is not None for k in key):
            if key in seen_keys:
                errors.append(_err(ln, H(t.key[-1]), f"Cette ligne a la même clé ({', '.join(map(str, key))}) que la "
                                                     f"ligne {seen_keys[key]} : gardez-en une seule."))
            else:
                seen_keys[key] = ln
        if len(errors) > MAX_ERRORS:
            errors.append(_err(None, None, f"Plus de {MAX_ERRORS} erreurs : corrigez celles-ci puis déposez à nouveau le fichier."))
            break
    return errors


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
    merged = merged.where(merged.notna(), None)
    return kinds, _changes(t, changed, new, old, merged), merged


def _changes(t: Table, changed: pd.DataFrame, new: pd.DataFrame, old: pd.DataFrame, merged: pd.DataFrame
             ) -> pd.DataFrame:
    """Every changed cell (key, column, old → new), row by row in the file's order, column by column: built a column
    at a time (a file that changes 100 000 rows is listed in a fraction of a second)."""
    columns = ["key", "column", "old", "new", "name"]
    rows = changed.index[changed.any(axis=1).values]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    keys = list(t.key)
    key = new.loc[rows, keys[0]].astype(str)
    for k in keys[1:]:
        key = key + " · " + new.loc[rows, k].astype(str)
    position = pd.Series(range(len(rows)), index=rows)
    parts = []
    for order, name in enumerate(changed.columns):
        hit = rows[changed.loc[rows, name].values]
        if len(hit):
            parts.append(pd.DataFrame({"key": key[hit].values, "column": t.column(name).header,
                                       "old": old.loc[hit, name].values, "new": merged.loc[hit, name].values,
                                       "name": name, "_at": position[hit].values * len(changed.columns) + order}))
    return pd.concat(parts).sort_values("_at", kind="stable")[columns].reset_index(drop=True)


# ------------------------------------------------------------------ the whole path
def read(table_name: str, data: bytes, file_name: str = "", *, campus: str | None = None, sheet: str | None = None,
         max_bytes: int = MAX_BYTES_DEFAULT) -> Report:
    """Read and type a file: the costly part, which needs no store (and so no lock). Its rows are None when the file
    as a whole cannot be read."""
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
    rep.rows, rep.lines, rep.columns = parsed.rows, parsed.lines, parsed.columns
    return rep


def review(store, rep: Report, *, campus: str | None = None, scope: set | None = None,
           context: Context | None = None) -> Report:
    """Validate the rows of a read file against the store and diff them with its current rows (nothing written):
    every error with its line, or what a commit would add and change."""
    if rep.rows is None:
        return rep
    t = schema.table(rep.table)
    ctx = context or Context.from_store(store, {c.ref[0] for c in t.columns if c.ref})  # every rule checks a reference
    if locked := _locked_rows(store, t, rep.rows, rep.lines):  # said first, once per campus × year: nothing else matters
        rep.errors = locked + rep.errors
        return rep
    unreadable = {(e["line"], e["column"]) for e in rep.errors}  # one message per bad cell is enough
    rep.errors += [e for e in validate(t, rep.rows, rep.lines, ctx, campus=campus, scope=scope)
                   if (e["line"], e["column"]) not in unreadable]
    if rep.errors:
        rep.errors.sort(key=lambda e: (e["line"] is not None, e["line"] or 0))
        return rep
    current = store.current(t.name, build=False)
    rep.errors = _foreign_rows(t, rep.rows, rep.lines, current, scope)
    if rep.errors:
        return rep
    kinds, rep.changes, merged = diff(t, rep.rows, current, rep.columns)
    rep.rows = merged.assign(_change=kinds.values)
    rep.inserted = int((kinds == "insert").sum())
    rep.updated = int((kinds == "update").sum())
    rep.unchanged = int((kinds == "same").sum())
    rep.status = "valid" if rep.inserted + rep.updated else "unchanged"
    if rep.status == "valid" and rep.sha256:
        rep.warnings += _reverted_before(store, rep)
    return rep


def _reverted_before(store, rep: Report) -> list[str]:
    """A warning when the very same file was imported before and that import was cancelled."""
    b = queries.run("batch_history", store=store, campus=None, table_name=rep.table)
    b = b[(b["sha256"] == rep.sha256) & b["reverted"]]
    return [f"Ce fichier est identique à celui du lot n° {r.batch_id} (« {r.file_name} », importé le "
            f"{fmt.moment(r.committed_at)} par {r.user_name}), annulé le {fmt.moment(r.reverted_at)} par "
            f"{r.reverted_by or '?'} : le valider rétablit ce qui avait été annulé." for r in b.head(1).itertuples()]


def _locked_rows(store, t: Table, rows: pd.DataFrame, lines: list[int]) -> list[dict]:
    """One error per campus × year of the file whose figures are validated in their campaign, with who validated
    them, when, and the lines concerned (the store's write door refuses them too; here it is said before anything
    else about the file)."""
    locked = store.locked()
    if not locked or not t.campus_column or "year" not in rows.columns:
        return []
    hit: dict[tuple[str, int], list[int]] = {}
    for i, (campus, year) in enumerate(zip(rows[t.campus_column], rows["year"])):
        if campus is not None and isinstance(year, int | float) and year == year and (campus, int(year)) in locked:
            hit.setdefault((campus, int(year)), []).append(lines[i])
    errors = []
    for (campus, year), at in sorted(hit.items()):
        done = [e for e in store.campaign(year)["events"] if e["campus"] == campus and e["step"] == "validate"]
        who = (f" par {done[-1]['by']} le {fmt.local_day(done[-1]['at'])}" if done else "")
        where = f"ligne {at[0]}" if len(at) == 1 else f"{len(at)} lignes, de la ligne {at[0]} à la ligne {at[-1]}"
        errors.append(_err(None, t.column("year").header,
                           f"Les chiffres {year} {fmt.of(campus)} ont été validés{who} : ils ne bougent plus ({where}). "
                           "Rien n'a été enregistré. Un administrateur peut les rouvrir, en disant pourquoi."))
    return errors


def _foreign_rows(t: Table, rows: pd.DataFrame, lines: list[int], current: pd.DataFrame, scope: set | None) -> list[dict]:
    """Lines whose key is already a row of a campus outside `scope` (a director's file may not take it over, even
    when the line names the director's own campus)."""
    if scope is None or not t.campus_column or current.empty:
        return []
    owner = pd.Series(current[t.campus_column].values, index=_key_text(t, current).values)
    found = _key_text(t, rows).map(owner[~owner.index.duplicated(keep="last")])
    errors = []
    for i in np.flatnonzero((found.notna() & ~found.isin(scope)).values):
        key = " · ".join(str(rows[k].iloc[i]) for k in t.key)
        errors.append(_err(lines[i], t.column(t.key[0]).header,
                           f"« {key} » appartient déjà au campus {found.iloc[i]} : vous ne pouvez pas le modifier "
                           f"(vos campus : {', '.join(sorted(scope)) or 'aucun'}). Choisissez un autre identifiant."))
    return errors


def check(store, table_name: str, data: bytes, file_name: str = "", *, campus: str | None = None,
          scope: set | None = None, sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT,
          context: Context | None = None) -> Report:
    """Read, type, validate and diff a file without writing anything."""
    rep = read(table_name, data, file_name, campus=campus, sheet=sheet, max_bytes=max_bytes)
    return review(store, rep, campus=campus, scope=scope, context=context)


def same_outcome(a: Report, b: Report) -> bool:
    """Two checks of one file would write the same rows (what a preview showed is what a commit writes)."""
    return (a.status == b.status and a.rows is not None and b.rows is not None and a.rows.equals(b.rows)
            and (a.changes is None) == (b.changes is None) and (a.changes is None or a.changes.equals(b.changes)))


def import_bytes(store, table_name: str, data: bytes, file_name: str = "", *, user: str = "",
                 campus: str | None = None, scope: set | None = None, dry_run: bool = False,
                 sheet: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT, preview: Report | None = None) -> Report:
    """Check a file and, when it is clean and changes something, commit it as one batch in the name of account `user`.

    An account that may not write is refused before the file is read. The file is read outside the writers' lock;
    validation, diff and commit happen under it, so they see one store state. With `preview` (what the person was
    shown), the commit is refused if the store has changed what it would write since: the new diff is shown instead.
    A director's file is checked against their campuses line by line; the store refuses the write anyway when the
    account may not make it (the refusal comes back as the report's error, nothing written).
    """
    t = schema.table(table_name)
    if not dry_run:
        try:
            account = store.account(user)  # no campus chosen: the file may hold any of the account's campuses
            refusal = permissions.refusal(account, "import", permissions.rows_of(t, {campus} if campus else
                                                                                set(permissions.scope(account) or ())),
                                          name=user)
            refusal = refusal and f"{refusal} : rien n'a été enregistré."
        except StoreError as exc:
            refusal = str(exc)
        if refusal:
            return Report(table=t.name, file_name=file_name, errors=[_err(None, None, refusal)])
    rep = read(table_name, data, file_name, campus=campus, sheet=sheet, max_bytes=max_bytes)
    if rep.rows is None:
        return rep
    try:  # validation and commit see the same store state
        return store.write(lambda s: _review_and_commit(s, rep, user=user, campus=campus, scope=scope,
                                                        dry_run=dry_run, preview=preview))
    except StoreError as exc:  # a damaged store, a refused or failed write: nothing written
        rep.status = "rejected"
        rep.errors.append(_err(None, None, str(exc)))
        return rep


def _review_and_commit(store, rep: Report, *, user: str, campus: str | None, scope: set | None, dry_run: bool,
                       preview: Report | None) -> Report:
    """Under the writers' lock: validate and diff against the store, then commit unless told not to."""
    if scope is None:
        scope = permissions.scope(store.account(user))
    review(store, rep, campus=campus, scope=scope)
    if preview is not None and rep.status != "rejected" and not same_outcome(preview, rep):
        rep.stale = True
        rep.status = "rejected"
        rep.errors.append(_err(None, None, "Les données ont changé depuis l'aperçu (un autre import a été "
                                           "enregistré entre-temps) : rien n'a été enregistré. Vérifiez le nouvel "
                                           "aperçu ci-dessous, puis validez à nouveau."))
        return rep
    if dry_run or rep.status != "valid":
        return rep
    changed = rep.rows[rep.rows["_change"] != "same"].drop(columns="_change")
    campuses = sorted(set(changed.get("campus_id", pd.Series(dtype=object)).dropna()))
    res = store.commit(
        rep.table, changed, file_name=rep.file_name, sha256=rep.sha256, user=user,
        campus_id=campuses[0] if len(campuses) == 1 else (",".join(campuses) or None),
        counts={"rows": len(rep.rows), "inserted": rep.inserted, "updated": rep.updated, "unchanged": rep.unchanged},
    )
    rep.status, rep.batch_id = "committed", res.batch_id
    return rep
