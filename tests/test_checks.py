"""The importer's checks, one by one: every check of ingest.CHECKS has a row that trips it (and only on its line),
with its code and a French message naming the column; a good row trips none."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cmq.core import ingest, schema

GOOD = {
    "indicator_values": {"campus_id": "AGT", "indicator_id": "AGT-I01", "year": 2018, "value": 5.0},
    "reach": {"campus_id": "AGT", "action_id": "AGT-A04", "year": 2018, "audience": "lyceens", "count": 12},
    "actions": {"campus_id": "AGT", "action_id": "AGT-A99", "title": "Une action", "status": "prevue",
                "start_date": date(2019, 1, 1), "year": 2019},
}
# code → (table, what changes in the good row, or several rows; the campus the file is imported for; the scope)
TRIPS = {
    "obligatoire": ("indicator_values", {"indicator_id": None}, None, None),
    "valeur_possible": ("reach", {"audience": "martiens"}, None, None),
    "annee_plausible": ("indicator_values", {"year": 1990}, None, None),
    "trop_petit": ("reach", {"count": -1}, None, None),
    "trop_grand": ("reach", {"count": schema.PEOPLE_MAX + 1}, None, None),
    "date_plausible": ("actions", {"start_date": date(1989, 12, 31)}, None, None),
    "reference_inconnue": ("indicator_values", {"indicator_id": "AGT-I99"}, None, None),
    "autre_campus": ("indicator_values", {}, "MSI", None),
    "hors_perimetre": ("indicator_values", {}, None, {"MSI"}),
    "regle": ("reach", {"women": 20}, None, None),
    "cle_en_double": ("indicator_values", "twice", None, None),
}


def rows_of(table: str, change) -> pd.DataFrame:
    t = schema.table(table)
    good = {c.name: None for c in t.columns} | GOOD[table]
    rows = [good, good] if change == "twice" else [good | change]
    return pd.DataFrame(rows, columns=[c.name for c in t.columns]).astype(object)


@pytest.fixture(scope="module")
def ctx(demo_store):
    return ingest.Context.from_store(demo_store)


def test_every_check_has_a_stable_code_a_description_and_a_row_that_trips_it():
    codes = [c.code for c in ingest.CHECKS]
    assert len(codes) == len(set(codes)) and set(codes) == set(TRIPS)
    assert all(c.what and c.code.isascii() and c.code == c.code.lower() for c in ingest.CHECKS)


@pytest.mark.parametrize("code", list(TRIPS))
def test_each_check_trips_on_its_row_only(code, ctx):
    table, change, campus, scope = TRIPS[code]
    t = schema.table(table)
    assert not ingest.validate(t, rows_of(table, {}), [2], ctx), "the good row is good"
    rows = rows_of(table, change)
    lines = list(range(2, 2 + len(rows)))
    errors = ingest.validate(t, rows, lines, ctx, campus=campus, scope=scope)
    mine = [e for e in errors if e.get("code") == code]
    assert mine, (code, errors)
    headers = {c.header for c in t.columns}
    for e in mine:
        assert e["line"] == lines[-1] and e["column"] in headers, e
        assert (e["message"][0].isupper() or e["message"][0] == "«") and e["message"].endswith("."), e["message"]
