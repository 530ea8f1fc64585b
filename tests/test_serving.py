"""What one server spends on each person: a page drawn once per store version and shared by every session, the next
import shown at the next page load, and the benchmark's page runs beside their floor."""
from __future__ import annotations

import json

import pandas as pd
import plotly.basedatatypes

from cmq.core import auth, fmt
from cmq.core.store import Store
from cmq.dev import pagerun

from conftest import ADMIN, ROOT, app_test


def built_figures(monkeypatch) -> list:
    """Every plotly figure built from now on (its class: a Figure is a chart drawn)."""
    built = []
    real = plotly.basedatatypes.BaseFigure.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        real(self, *args, **kwargs)

    monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "__init__", counting)
    return built


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_a_page_is_drawn_once_per_store_version_for_every_session_and_an_import_shows_at_the_next_load(
        data_dir, store_copy, monkeypatch):
    """Thirty committee members on « Vue régionale »: the first one's run draws its five charts; the next ones get the
    very same charts without one being drawn again. An import moves the store on: the next page load draws the new
    figures, never the old ones."""
    first = app_test("comite")
    first.run()
    assert not first.exception and len(chart_specs(first)) == 5
    built = built_figures(monkeypatch)
    second = app_test("comite")
    second.run()
    assert not second.exception
    assert built == [], "a second session draws nothing: the charts of this store version are shared"
    assert chart_specs(second) == chart_specs(first)
    before = second.metric[2].value

    store_copy.commit("reach", pd.DataFrame([{"campus_id": "AGT", "action_id": "AGT-A03", "year": 2018,
                                              "audience": "demandeurs_emploi", "count": 4321}]), user=ADMIN)
    second.run()  # the same session's next click
    assert "Figure" in built, "the new store version is drawn afresh"
    assert second.metric[2].value != before, "the headline counts the imported people"
    changed = [i for i, (a, b) in enumerate(zip(chart_specs(first), chart_specs(second))) if a != b]
    assert len(changed) >= 2, "the map's bubbles and the reach charts show the import"


def test_the_page_benchmark_measures_whole_runs_beside_the_floor(store_copy, data_dir):
    """`bench`'s page runs: the floor page and each page asked, cold and warm, CPU and wall; a warm run (a filter
    changed to a year the server already served) costs less than a session's first visit."""
    runs = pagerun.measure(store_copy, sessions=1, pages=["overview", "funding"])
    assert set(runs) == {pagerun.FLOOR, "overview", "funding"}
    for page, r in runs.items():
        assert set(r) == {"cold_cpu", "cold_wall", "warm_cpu", "warm_wall"} and all(v > 0 for v in r.values()), page
        assert r["warm_wall"] < r["cold_wall"], page
    assert store_copy.account(pagerun.READER)["role"] == "lecteur"
    assert auth.grant(store_copy.account(pagerun.READER))


def test_people_at_once_over_streamlits_own_protocol_all_sign_in_and_get_their_charts(demo_root, tmp_path):
    """`bench --load`: sessions speaking Streamlit's websocket protocol sign in as the committee member, open « Vue
    régionale », change the year and open « Financements » on a real `cmq serve`: alone and eight at once, every one
    gets its charts and the server's cost per session is measured (a sign-in's Argon2 check alone is 0.1 s of CPU);
    two imports at a deadline commit while readers browse; a wrong password is a failure of the run, not a silent
    success."""
    import shutil

    from cmq.core.store import Store
    from cmq.dev import load

    root = tmp_path / "store"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns("*.lock"))
    server = load.Server(root)
    try:
        runs = [load.measure(server, 1), load.measure(server, 8)]
        waits_after_successes = Store(root).signin_waits()
        before = Store(root).version()
        deadline = load.deadline(server, readers=3, imports=2, rows=400)  # directors importing while readers browse
        refused = load.measure(server, 2, password="pas-le-bon-mot-de-passe")
    finally:
        server.stop()
    for r in runs:
        assert r["failures"] == 0, r["why"]
        assert 0 < r["first_chart_median_s"] <= r["first_chart_max_s"]
        assert set(r["steps_median_s"]) == {"connexion → premier graphique", "autre année → premier graphique",
                                            "Financements → premier graphique"}
        assert r["server_cpu_per_session_s"] >= 0.1, "each session signed in (an Argon2 check) and drew its pages"
    assert waits_after_successes == {}, "nine sign-ins at once from one address: none counted as a failure"
    assert deadline["committed"] == 2 and deadline["failures"] == 0 and deadline["pages"] >= 9, deadline
    assert Store(root).version() == before + 2, "both imports committed, one after the other"
    assert refused["failures"] == 2 and "incorrect" in refused["why"][0]


def test_two_app_processes_behind_haproxy_keep_each_session_and_see_each_others_imports(any_store_copy):
    """Two `cmq serve` behind HAProxy with the README's configuration, on one embedded store, then one PostgreSQL
    database: new tabs are spread over both processes and each stays on its own (the proxy's cookie); an import
    committed elsewhere shows on both at their next page load."""
    import asyncio

    from cmq.dev import load

    store = any_store_copy
    server = load.Server(store.root if isinstance(store, Store) else store.url, processes=2)
    try:
        token = server.token()
        first = asyncio.run(load._many(server.url, 4, token=token))
        assert all(s.failure is None for s in first), [s.failure for s in first]
        assert {s.backend for s in first} == {"app1", "app2"}, "new tabs go to both processes"
        assert {s.metrics["Personnes touchées"] for s in first} == {fmt.number(514)}
        store.commit("reach", pd.DataFrame([{"campus_id": "AGT", "action_id": "AGT-A03", "year": 2018,
                                             "audience": "demandeurs_emploi", "count": 1000}]), user=ADMIN)

        async def back_on(backend: str) -> load.Session:
            ready = asyncio.Event()
            ready.set()
            return await load.one_session(server.url, ready, token=token, backend=backend)

        for backend in ("app1", "app2"):
            again = asyncio.run(back_on(backend))
            assert again.failure is None and again.backend == backend, again.failure
            assert again.metrics["Personnes touchées"] == fmt.number(1514), (backend, again.metrics)
    finally:
        server.stop()


def test_the_readme_shows_the_proxy_configuration_the_tests_run():
    from cmq.dev import load

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert load.proxy_config(8501, [8502, 8503], address="0.0.0.0").strip() in readme
