"""French formatting of numbers, amounts and dates: the one helper every view and export uses."""
from __future__ import annotations

import html
import math
import re
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_group_symbol

LOCALE = "fr_FR"
GROUP = get_group_symbol(LOCALE)  # the thousands separator of French numbers (a narrow no-break space)
UNKNOWN = "non renseigné"
# plotly: decimal separator then thousands separator (a narrow no-break space, as Babel writes)
PLOTLY_SEPARATORS = ",\u202f"


def missing(x) -> bool:
    """None, NaN, NaT or pandas NA: a value that is not known."""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # lists and other containers are values
        return False


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")
# GFM links bare addresses after Markdown is parsed (escapes do not stop it): an invisible word joiner inside
# « :// », « www. » and after « @ » keeps them plain text and looks the same
_BARE_LINK = re.compile(r"(:)(?=//)|(?i:(www))(?=\.)|(@)")


def md(text) -> str:
    """Text from a file or an account, safe inside Streamlit's Markdown (titles, captions, messages): every character
    Markdown, HTML or LaTeX would act on is escaped and bare addresses are not linked, so an imported
    « ![x](http://…) » shows as typed, never as an image fetched from elsewhere nor as a link."""
    text = _BARE_LINK.sub(lambda m: m.group(0) + "\u2060", str(text))
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")


def plain(text) -> str:
    """Text from a file, safe in plotly labels and hovers (which read <a>, <b>, <br> and entities as markup)."""
    return html.escape(str(text), quote=False)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe (in a CSV file,
    which has no cell types; the importer takes that apostrophe off again)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def short(text: str, n: int = 60) -> str:
    """A label cut to n characters, « … » ending what was cut."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def number(x, decimals: int = 0) -> str:
    """1234.5 → '1 234,5' (French grouping and decimal comma)."""
    if missing(x):
        return UNKNOWN
    if not math.isfinite(float(x)) or abs(float(x)) >= 1e15:  # beyond what any column takes: said, never a failure
        return f"{float(x):.4g}".replace(".", ",")
    if not decimals:  # babel's French pattern written directly (the same text, 40 times faster: tables of 100 000 rows)
        return f"{round(float(x)):,}".replace(",", GROUP)
    fmt = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(x, format=fmt, locale=LOCALE)


def euros(x, decimals: int = 0) -> str:
    """1234.5 → '1 234,5 €'; None → 'non renseigné' (never 0)."""
    if missing(x):
        return UNKNOWN
    return number(x, decimals) + "\u00a0€"


def percent(x, decimals: int = 0) -> str:
    """0.125 → '12,5 %'."""
    if missing(x):
        return UNKNOWN
    fmt = "#,##0" + ("." + "#" * decimals if decimals else "") + "\u00a0%"
    return format_percent(x, format=fmt, locale=LOCALE)


def day(d, style: str = "long") -> str:
    """A date as '13 juin 2018' (style 'short': '13/06/2018')."""
    if missing(d):
        return UNKNOWN
    if isinstance(d, datetime):
        d = d.date()
    if not isinstance(d, date):
        d = datetime.fromisoformat(str(d)).date()
    shown = format_date(d, format=style, locale=LOCALE)
    return "1er" + shown[1:] if style == "long" and d.day == 1 else shown  # « 1er décembre »


def of(name: str) -> str:
    """« de » before a name, elided before a vowel: d'AGT, de MSI."""
    return f"d'{name}" if str(name)[:1].upper() in "AEIOUYÉÈÊ" else f"de {name}"


def month(d) -> str:
    """A month as 'sept. 2018' (chart ticks: plotly's own month names are English)."""
    return format_date(pd.Timestamp(d).date(), format="MMM y", locale=LOCALE)


TIME_ZONE = "Europe/Paris"  # every date and time shown is French time (the store keeps UTC)


def paris(ts) -> pd.Timestamp:
    """A stored timestamp (UTC) as French wall-clock time; a naive one is taken as already local."""
    t = pd.Timestamp(ts)
    return t.tz_convert(TIME_ZONE).tz_localize(None) if t.tzinfo is not None else t


def local_day(ts) -> str:
    """The French day of a stored timestamp (« 1er décembre 2026 »), « non renseigné » without one."""
    return UNKNOWN if missing(ts) or str(ts) == "" else day(paris(ts).date())


def moment(ts) -> str:
    """A timestamp as '21 nov. 2026 à 09:45', in French time."""
    if missing(ts) or str(ts) == "":
        return UNKNOWN
    t = paris(ts)
    return format_date(t.date(), format="medium", locale=LOCALE) + " à " + t.strftime("%H:%M")


# the words French reports use for an order of magnitude (« une cinquantaine d'enseignants »)
ROUND_WORDS = {8: "une huitaine", 10: "une dizaine", 12: "une douzaine", 15: "une quinzaine", 20: "une vingtaine",
               30: "une trentaine", 40: "une quarantaine", 50: "une cinquantaine", 60: "une soixantaine",
               100: "une centaine", 1000: "un millier"}


def approximately(n) -> str:
    """An approximate count as a report writes it: « une cinquantaine » for 50, « environ 70 » where French has no
    word, « plusieurs centaines » for 200 to 900 in hundreds."""
    if missing(n):
        return UNKNOWN
    n = int(n)
    if n in ROUND_WORDS:
        return ROUND_WORDS[n]
    if n % 100 == 0 and 200 <= n <= 900:
        return "plusieurs centaines"
    return f"environ {number(n)}"
