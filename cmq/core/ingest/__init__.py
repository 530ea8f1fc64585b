"""File → rows → checks → diff → one batch: the importer, along its seams.

    reading.py  bytes → a grid of text cells (encodings, delimiters, CSV, XLSX and their guards)
    cells.py    text cells → typed values, the French way (numbers, dates, oui/non, lists)
    rows.py     a grid → typed rows of one table (headers matched, columns typed) and the store's identifiers
    checks.py   CHECKS, the list every row goes through (each with its code and French messages), and `validate`
    diff.py     typed rows against the store's current rows (added, changed, unchanged)
    path.py     the whole path: read, review against the store, commit as one batch (or say what it would do)

What the rest of the product uses is named here."""
from cmq.core.ingest.cells import (
    SIGNIFICANT_DIGITS,
    TWO_DIGIT_YEARS_AHEAD,
    YES_NO_WORDS,
    century_of,
    parse_bool,
    parse_date,
    parse_number,
    repaired,
    significant_digits,
)
from cmq.core.ingest.checks import CHECKS, MAX_ERRORS, Check, validate
from cmq.core.ingest.diff import diff
from cmq.core.ingest.path import check, import_bytes, read, review, same_outcome
from cmq.core.ingest.reading import (
    EXCEL_ERRORS,
    MAX_BYTES_DEFAULT,
    XLSX_UNZIPPED_MAX,
    decode,
    fold,
    read_csv_text,
    read_file,
    read_xlsx,
    sheet_names,
)
from cmq.core.ingest.rows import Context, Report, match_headers, parse

__all__ = ["CHECKS", "EXCEL_ERRORS", "MAX_BYTES_DEFAULT", "MAX_ERRORS", "SIGNIFICANT_DIGITS", "TWO_DIGIT_YEARS_AHEAD",
           "XLSX_UNZIPPED_MAX", "YES_NO_WORDS", "Check", "Context", "Report", "century_of", "check", "decode", "diff",
           "fold", "import_bytes", "match_headers", "parse", "parse_bool", "parse_date", "parse_number", "read",
           "read_csv_text", "read_file", "read_xlsx", "repaired", "review", "same_outcome", "sheet_names",
           "significant_digits", "validate"]
