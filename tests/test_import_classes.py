"""Classes of files that committed something other than what they say: each is read right, or refused with its line
and column in French — never stored changed. Each class is a property over generated files, not one example."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from datetime import date

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmq.core import ingest, schema

from conftest import ROOT

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALUES = "Code campus;Identifiant indicateur;Année;Valeur;Cible;Commentaire\n"
ACTIONS = "Code campus;Identifiant action;Intitulé;Statut;Année;Date de début\n"


@pytest.fixture(scope="module")
def context(demo_store):
    return ingest.Context.from_store(demo_store)


def check(store, context, table: str, data: bytes | str, name: str = "f.csv") -> ingest.Report:
    data = data.encode("utf-8") if isinstance(data, str) else data
    return ingest.check(store, table, data, name, context=context)


def refused_on(rep: ingest.Report, line: int, column: str | None = None) -> str:
    """The message of the error on `line` (and `column`): the file must be refused there."""
    assert rep.status == "rejected", rep.rows
    found = [e for e in rep.errors if e["line"] == line and (column is None or e["column"] == column)]
    assert found, rep.errors
    return found[0]["message"]


# ---------------------------------------------------------------- dates


@SETTINGS
@given(day=st.integers(1, 28), month=st.integers(1, 12), yy=st.integers(0, 99))
def test_a_two_digit_year_is_read_by_a_window_around_today(demo_store, context, day, month, yy):
    """« 15/03/95 » is 1995, never 2095: a two-digit year is at most ten years ahead; the date is then within the
    column's bounds, or refused with its line."""
    rep = check(demo_store, context, "actions", ACTIONS + f"AGT;AGT-A01;Titre;terminee;2018;{day:02d}/{month:02d}/{yy:02d}\n")
    this = date.today().year
    year = ingest.century_of(yy)
    assert this - 90 < year <= this + ingest.TWO_DIGIT_YEARS_AHEAD and year % 100 == yy
    if date(year, month, day) < schema.DATE_MIN:
        assert "n'est pas plausible" in refused_on(rep, 2, "Date de début")
    else:
        assert rep.status in ("valid", "unchanged"), rep.errors
        assert rep.rows["start_date"].iloc[0] == date(year, month, day)


@SETTINGS
@given(text=st.one_of(
    st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 9999)).map(lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]:04d}"),
    st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
    st.from_regex(r"\A[0-9/.\- ]{1,12}\Z")))
def test_every_date_form_that_is_no_date_is_refused_on_its_line(demo_store, context, text):
    """« 00/00/0000 », « 31/02/2018 », « 01/01/0001 », « 13/06/0018 »: a date or a French error with its line and
    column, never a traceback, never year 1 nor year 18."""
    rep = check(demo_store, context, "actions", ACTIONS + f"AGT;AGT-A01;Titre;terminee;2018;{text}\n")
    if rep.status == "rejected":
        refused_on(rep, 2, "Date de début")
    else:
        d = rep.rows["start_date"].iloc[0]
        assert d is None and not text.strip() or schema.DATE_MIN <= d <= date(date.today().year + 20, 12, 31)


# ---------------------------------------------------------------- numbers


NUMERIC = [("indicator_values", VALUES, "AGT;AGT-I01;2019;{v};1;écart expliqué\n", "value", "Valeur"),
           ("indicator_values", VALUES, "AGT;AGT-I01;2019;1;{v};écart expliqué\n", "target", "Cible"),
           ("funding", "Code campus;Financeur;Année;Programme;Type de financeur;Montant (€);Nature;Statut\n",
            "AGT;Région;2019;P;region;{v};poste;acquis\n", "amount_eur", "Montant (€)"),
           ("reach", "Code campus;Identifiant action;Année;Public;Nombre\n", "AGT;AGT-A03;2019;lyceens;{v}\n", "count",
            "Nombre")]


@SETTINGS
@given(which=st.sampled_from(NUMERIC), digits=st.text("0123456789", min_size=1, max_size=22),
       decimals=st.text("0123456789", max_size=6), exponent=st.sampled_from(["", "e20", "E308", "e-5"]))
def test_a_number_is_stored_as_written_or_refused(demo_store, context, which, digits, decimals, exponent):
    """Whatever its digits: a number is stored exactly as written (15 significant digits at most) within its
    column's bounds, or refused on its line — never 9007199254740993 stored as …992, never 1e308."""
    table, header, line, name, label = which
    text = digits + ("," + decimals if decimals else "") + exponent
    rep = check(demo_store, context, table, header + line.format(v=text))
    if rep.status == "rejected":
        refused_on(rep, 2, label)
        return
    v = rep.rows[name].iloc[0]
    col = schema.table(table).column(name)
    assert col.bounds[0] <= v <= col.bounds[1]
    assert ingest.significant_digits(text) <= ingest.SIGNIFICANT_DIGITS
    assert float(v) == float(text.replace(",", "."))


# ---------------------------------------------------------------- lines and delimiters


@SETTINGS
@given(n=st.integers(2, 8), at=st.integers(0, 7), other=st.sampled_from([",", "\t"]))
def test_a_line_in_another_delimiter_is_never_a_blank_line(demo_store, context, n, at, other):
    """« AGT,AGT-I05,2016,42 » inside a « ; » file is one cell: it is refused with its number, never passed over."""
    lines = [f"AGT;AGT-I0{i + 1};2019;{i};;" for i in range(n)]
    at = at % n
    lines[at] = other.join(["AGT", f"AGT-I0{at + 1}", "2019", "42", "", ""])
    rep = check(demo_store, context, "indicator_values", VALUES + "\n".join(lines) + "\n")
    assert "tient en une seule cellule" in refused_on(rep, at + 2)


def test_carriage_returns_only_and_a_sep_line(demo_store, context):
    data = "sep=;\rCode campus;Identifiant indicateur;Année;Valeur\rAGT;AGT-I01;2019;7\r"
    rep = check(demo_store, context, "indicator_values", data)
    assert rep.status == "valid" and rep.rows["value"].tolist() == [7.0], rep.errors


@pytest.mark.parametrize("word, meant", [("o", 1.0), ("yes", 1.0), ("x", 1.0), ("n", 0.0), ("No", 0.0)])
def test_a_yes_no_indicator_reads_every_yes_and_no(demo_store, context, word, meant):
    indicator = demo_store.read("select min(indicator_id) i from indicators where campus_id = 'AGT' "
                                "and unit = 'oui_non'")["i"].iloc[0]
    rep = check(demo_store, context, "indicator_values", VALUES + f"AGT;{indicator};2019;{word};;\n")
    assert rep.status == "valid" and rep.rows["value"].tolist() == [meant], rep.errors


# ---------------------------------------------------------------- encodings

FRENCH = st.text(st.sampled_from(list("abcdefgh éèàçù'’«»ôêœ")), min_size=3, max_size=30).filter(
    lambda s: s.strip() and any(c in s for c in "éèàçùôêœ«»’"))


@SETTINGS
@given(comments=st.lists(FRENCH, min_size=2, max_size=6), stray=st.integers(0, 5))
def test_a_utf8_file_with_one_foreign_line_keeps_every_accent(demo_store, context, comments, stray):
    """A UTF-8 file one line of which was pasted in Windows-1252: every comment is stored as written, the UTF-8
    lines are not re-read as Windows-1252 (« RÃ©union » for « Réunion »)."""
    stray %= len(comments)
    head = VALUES.encode("utf-8")
    body = b""
    for i, c in enumerate(comments):
        line = f"AGT;AGT-I01;{2010 + i};{i};;{c}\n"
        body += line.encode("cp1252") if i == stray else line.encode("utf-8")
    rep = check(demo_store, context, "indicator_values", head + body)
    assert rep.status == "valid", rep.errors
    assert [c.strip() for c in rep.rows["comment"]] == [c.strip() for c in comments]


@SETTINGS
@given(text=FRENCH)
def test_text_already_garbled_is_refused_with_what_it_meant(demo_store, context, text):
    """A UTF-8 file once opened as Windows-1252 and saved again: « RÃ©union » is named on its line, with « Réunion »."""
    garbled = text.encode("utf-8").decode("cp1252", errors="replace")
    rep = check(demo_store, context, "indicator_values", VALUES + f"AGT;AGT-I01;2019;1;;{garbled}\n")
    message = refused_on(rep, 2, "Commentaire")
    assert "mal décodé" in message
    if ingest.repaired(garbled.strip()):
        assert fmt_short(text.strip()) in message


def fmt_short(text):
    from cmq.core import fmt

    return fmt.short(text, 60)


# ---------------------------------------------------------------- workbooks whose <dimension> lies


def lying_workbook(rows: list[list], declared: str) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{declared}"/>'.encode(), data)
                assert declared.encode() in data
            z.writestr(item, data)
    return out.getvalue()


@SETTINGS
@given(n=st.integers(3, 60), declared=st.sampled_from(["A1:F3", "A1:D3", "A1:B2", "A1:XFD2", "A1"]))
def test_a_workbook_is_read_as_it_holds_not_as_it_declares(demo_store, context, n, declared):
    rows = [["Code campus", "Identifiant indicateur", "Année", "Valeur", "Cible", "Commentaire"]]
    numeric = ["AGT-I01", "AGT-I04", "AGT-I05"]  # indicators counted in numbers (not oui/non)
    rows += [["AGT", numeric[i % 3], 2000 + i // 3, float(i), None, f"ligne {i}"] for i in range(n)]
    rep = check(demo_store, context, "indicator_values", lying_workbook(rows, declared), "f.xlsx")
    assert rep.status == "valid", rep.errors
    assert rep.rows["comment"].tolist() == [f"ligne {i}" for i in range(n)]
    assert rep.rows["value"].tolist() == [float(i) for i in range(n)]


def test_a_workbook_that_declares_16384_columns_costs_what_it_holds(tmp_path):
    """A 6 000-line sheet declaring A1:XFD6001: read in bounded memory (it took 962 MB), line for line."""
    rows = [["Code campus", "Identifiant indicateur", "Année", "Valeur"]]
    rows += [["AGT", f"AGT-I{i % 59 + 1:02d}", 2000 + i // 59 % 20, float(i)] for i in range(6000)]
    path = tmp_path / "large.xlsx"
    path.write_bytes(lying_workbook(rows, "A1:XFD6001"))
    code = ("import resource, sys; from cmq.core import ingest; import openpyxl; "
            f"data = open({str(path)!r}, 'rb').read(); "
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; g = ingest.read_xlsx(data); "
            "print(len(g.rows), max(len(r) for r in g.rows), "
            "(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines, width, peak_mb = map(int, out.stdout.split())
    assert lines == 6000 and width <= 4 and peak_mb < 80, (lines, width, peak_mb)  # megabytes the reading added


# ---------------------------------------------------------------- headers and codes


def test_a_misspelled_header_and_a_mistyped_code_are_named_with_the_closest(demo_store, context):
    rep = check(demo_store, context, "indicator_values",
                "Code campus;Identifiant indicateur;Année;Valeur;Cible1\nAGT;AGT-I9;2019;5;6\n")
    assert any("« Cible1 » (voulez-vous dire « Cible » ?)" in w for w in rep.warnings), rep.warnings
    assert "(voulez-vous dire « AGT-I09 » ?)" in refused_on(rep, 2, "Identifiant indicateur")
