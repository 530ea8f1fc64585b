"""At national size (200 campuses) every page still renders and no chart grows past what one can read."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_committee_pages import figure

from cmq.core import auth
from cmq.core.store import Store
from cmq.dev import synth
from cmq.outputs import charts, registry

from conftest import ADMIN, app_test

# the committee's pages that compare campuses (the registry's pages with figures, but the one-campus page)
PAGES = [p.slug for p in registry.PAGES if p.figures and p.slug != "campus"]
PER_CAMPUS = ("comp_detail",)  # one campus's indicators: as long as its plan, whatever the number of campuses


@pytest.fixture(scope="module")
def national_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    store = Store(root)
    synth.generate(store, synth.Size(200, 2, 2017), batches="table")
    store.put_account(auth.new_account(ADMIN, "admin", national=True))  # the pages open behind the sign-in, as in the app
    return root


def categories(fig: dict) -> int:
    """How many rows (or nodes) a chart draws: the most categories of any trace's y axis, or Sankey nodes."""
    most = 0
    for t in fig["data"]:
        if t.get("type") == "sankey":
            most = max(most, len(t["node"]["label"]))
        elif t.get("type") in ("bar", "heatmap") and isinstance(t.get("y"), list):
            most = max(most, len(set(map(str, t["y"]))))
    return most


def page(root, monkeypatch, name: str) -> AppTest:
    monkeypatch.setenv("CMQ_DATA_DIR", str(root))
    at = app_test()
    at.run()
    at.switch_page(f"cmq/app/pages/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", PAGES)
def test_page_readable_at_200_campuses(national_root, monkeypatch, name):
    at = page(national_root, monkeypatch, name)
    for chart in at.get("plotly_chart"):
        if any(k in chart.proto.id for k in PER_CAMPUS):
            continue
        fig = figure(at, chart.proto.id)
        n = categories(fig)
        assert n <= charts.MAX_ROWS * 2, f"{chart.proto.id}: {n} rows drawn at 200 campuses"


def test_crowded_charts_say_what_they_leave_out(national_root, monkeypatch):
    at = page(national_root, monkeypatch, "overview")
    notes = [a["text"] for c in at.get("plotly_chart") for a in figure(at, c.proto.id)["layout"].get("annotations", [])]
    assert any("sur 200" in n and "filtrez" in n for n in notes), notes
    sankey = figure(page(national_root, monkeypatch, "funding"), "fund_sankey")["data"][0]
    assert any(label.startswith(tuple(synth.REGION_WEIGHTS)) for label in sankey["node"]["label"]), \
        "200 campuses: flows go to regions"
