"""Bytes → a grid of text cells: encoding (UTF-8, Windows-1252, Mac Roman), delimiter and « sep= » line, CSV, XLSX
(guarded against zip bombs and formulas), and the cell normalising the other steps share."""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from cmq.core import fmt

MAX_BYTES_DEFAULT = int(os.environ.get("CMQ_MAX_UPLOAD_MB", "20")) * 1024 * 1024

# ------------------------------------------------------------------ normalising
def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space: for matching headers and choices."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("æ", "ae").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def is_empty(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def error(line: int | None, column: str | None, message: str, code: str | None = None) -> dict:
    """One problem of a file as the report lists it: its line and column (None: the whole file), its French message
    and, for a row's check, the check's code (CHECKS)."""
    return {"line": line, "column": column, "message": message, **({"code": code} if code else {})}


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
        text = data.decode("utf-8")
        # a line of Windows-1252 can happen to be valid UTF-8 (« à«œ » is E0 AB 9C, a Gujarati letter): a file whose
        # UTF-8 reading holds letters no French text has is read line by line
        return _decode_lines(data) if _foreign(text) else text
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
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            continue
        if _foreign(text):  # valid UTF-8 by chance: Windows-1252 when that reads as French and this does not
            try:
                other = line.decode("cp1252")
            except UnicodeDecodeError:
                other = None
            if other is not None and not _foreign(other) and _french(other) > _french(text):
                text = other
        out.append(text)
    return "\n".join(out)


def _foreign(text: str) -> int:
    """How many letters of `text` are beyond the Latin alphabets (signs such as € or ™ are not letters): none in
    French."""
    return sum(1 for ch in text if ord(ch) > 0x24F and unicodedata.category(ch).startswith("L"))


def _french(text: str) -> int:
    return sum(text.count(ch) for ch in _FRENCH)


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
                errors.append(error(start + skip, None, f"Cette ligne a {len(headers) + len(extra)} cellules "
                                                       f"pour {len(headers)} colonnes d'en-tête : les valeurs seraient "
                                                       f"décalées.{hint}"))
            elif len(rec) == 1 and len(headers) > 1 and (other := next(
                    (d for d in (";", ",", "\t") if d != delimiter and d in rec[0] and rec[0].count(d) >= len(headers) // 2),
                    None)):
                errors.append(error(start + skip, None, f"Cette ligne tient en une seule cellule, séparée par "
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
                if not any(not is_empty(c) for c in rec):
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
                    out.append(error(n, column, f"Cette cellule contient une formule ({str(getattr(v, 'text', v))[:60]}) "
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
        return None, [error(None, None, "Le fichier est vide. Utilisez le modèle : une ligne d'en-têtes puis une ligne par valeur.")]
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
        return None, [error(None, None, str(exc))]
