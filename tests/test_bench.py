"""The benchmark: it measures what the pages really run, and reports figures in the agreed JSON form."""
from __future__ import annotations

import json

from cmq.core import queries
from cmq.dev import bench
from cmq.outputs import registry
from cmq.outputs.registry import FIGURES

from conftest import cli


def test_every_page_query_runs_on_the_demo_and_none_is_counted_twice(demo_store):
    ctx = bench.default_context(demo_store)
    assert ctx.year == 2020 and ctx.campus == "AGT"  # the latest year with figures, the first campus
    con = demo_store.connect()
    for page in bench.PAGES:
        wanted = bench.page_queries(page, ctx)
        assert len({(q, json.dumps(p, sort_keys=True, default=str)) for q, p in wanted}) == len(wanted), page
        for name, params in wanted:
            queries.run(name, con=con, **params)
    # the rows behind charts are read on demand, never as part of a page's load
    assert not any(q.endswith("_rows") for page in bench.PAGES for q, _ in bench.page_queries(page, ctx))
    assert {n for p in registry.PAGES for n in p.figures} <= set(FIGURES)


def test_figures_carry_ratio_target_and_whether_it_was_met():
    lower = bench.Measure("cold p95 · overview", 120.0, "ms", baseline=400.0, target=300).as_dict()
    assert lower == {"name": "cold p95 · overview", "value": 120.0, "unit": "ms", "baseline": 400.0, "ratio": 0.3,
                     "target": 300, "met": True}
    assert bench.Measure("speed-up", 2.0, "×", target=3, higher_is_better=True).as_dict()["met"] is False
    assert bench.Measure("generation", 80.0, "/s").as_dict()["met"] is None


def test_pandas_baseline_computes_the_same_reach_as_the_sql(demo_store):
    ctx = bench.default_context(demo_store).but(year=2018)
    tables = bench.load_tables(demo_store, bench.PANDAS_TABLES["reach"] + ["actions", "reach", "funding"])
    once = bench._once(tables["reach"][tables["reach"]["year"] == 2018])
    by_audience = once.groupby("audience")["count"].sum()
    sql = queries.run("reach_by_audience", store=demo_store, year=2018).set_index("audience")["reached"]
    assert by_audience.sort_index().tolist() == sql.sort_index().tolist()
    assert bench.pandas_page("reach", tables, ctx)


def test_bench_json_on_a_tiny_size(tmp_path, pg_url):
    r = cli("bench", "--campuses", "3", "--years", "1", "--reps", "1", "--small-batches", "20", "--json",
            "--database-url", pg_url, data_dir=tmp_path / "unused")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["size"]["campuses"] == 3 and out["size"]["years"] == 1 and out["size"]["batches"] > 0
    names = {f["name"] for f in out["figures"]}
    for page in bench.PAGES:
        assert {f"cold p95 · {page}", f"warm p95 · {page}", f"cold speed-up vs pandas · {page}"} <= names
    assert {"peak RSS · app process (every page)", "region meeting pack PPTX + PDF · demo",
            "region activity report DOCX + PDF · demo", "region activity report DOCX + PDF · national",
            "reach page after 20 small batches, compacted / single batch",
            "catalogue · first read of a store (whole build)", "catalogue · first read after a 20-row reach upload"} <= names
    readable = [p.slug for p in registry.PAGES if p.action == "read"]
    for page in readable:  # the whole run of every page a committee member opens, beside the floor page
        assert {f"page run warm CPU · {page}", f"page run cold CPU · {page}", f"page run warm / floor · {page}"} <= names
    assert "page run · floor (two charts, four metrics, a table) · warm CPU" in names
    for page in bench.PAGES:  # each scope's reader, and a region on the nation's store beside the region alone
        assert {f"cold median · regional reader · {page}", f"cold median · director · {page}",
                f"regional reader, national store / region alone · {page}"} <= names
    for page in bench.PAGES:  # the same store on PostgreSQL, beside the embedded one
        assert {f"postgres cold p95 · {page}", f"postgres / embedded cold median · {page}",
                f"postgres warm median · {page}"} <= names
    figures = {f["name"]: f for f in out["figures"]}
    assert figures["postgres · catalogue first build (whole store)"]["baseline"] > 0
    imports = [n for n in names if n.startswith("postgres · import")]
    assert len(imports) == 2 and all(figures[n]["baseline"] > 0 for n in imports), "new rows, then updated rows"
    for f in out["figures"]:
        assert set(f) == {"name", "value", "unit", "baseline", "ratio", "target", "met"}
        assert f["value"] > 0
        assert (f["met"] is None) == (f["target"] is None)
