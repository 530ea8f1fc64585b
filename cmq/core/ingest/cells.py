"""Text cells → typed values, the French way: numbers (« 1 234,5 », « 12 % », « 1.234 » asked about), dates, oui/non,
codes or labels of a list; every refusal a French message for its line."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

from cmq.core import fmt
from cmq.core.ingest.reading import EXCEL_ERRORS, error, fold, is_empty
from cmq.core.schema import Column

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


def choice_index(col: Column) -> dict:
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


def each_distinct(values: list, read: Callable) -> list:
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


def convert(col: Column, raw: pd.Series, lines: list[int], errors: list[dict], yes_no_numbers=False) -> pd.Series:
    """Raw cells of one column → typed values; unreadable, ambiguous or Excel-error cells become errors."""
    if col.type == "text":
        def read(v):
            if is_empty(v):
                return None
            text = _text(v)
            if _MOJIBAKE.search(text):
                return _GARBLED
            return _EXCEL_ERROR if text.upper() in EXCEL_ERRORS else text
    else:
        parser = {"int": parse_number, "float": parse_number, "date": parse_date, "bool": parse_bool}[col.type]

        def read(v):
            if is_empty(v):
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
    out = each_distinct(cells, read)
    bad = [i for i, r in enumerate(out) if r.__class__ is _Problem]
    for i in bad:
        errors.append(error(lines[i], col.header, _cell_problem(out[i], cells[i], col)))
        out[i] = None
    return pd.Series(out, index=raw.index, dtype=object)
