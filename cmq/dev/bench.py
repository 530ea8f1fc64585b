"""python -m cmq bench: a synthetic store written through the commit path, every page's queries timed cold and warm
beside the usual pandas way measured in the same run, memory, a 100,000-row import, many small batches, the meeting
pack, and (with --browser) the app in headless Chromium. Figures carry their target and whether this run met it."""
from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cmq import ROOT
from cmq.core import auth, queries, schema
from cmq.core.filters import Filters
from cmq.core.store import Store
from cmq.dev import synth
from cmq.outputs import registry
from cmq.outputs.registry import FIGURES

# the pages whose first view reads the store (the registry says what each reads)
PAGES = [p.slug for p in registry.PAGES if p.figures or p.queries]
# Debian's Chromium, headless, with nothing that calls out to the internet (the browser tests use the same)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
COMMON = ["years", "campuses", "data_freshness"]  # the sidebar filters and every caption
# the tables a pandas version of each page loads (besides campuses and batches; actions, reach and funding give the
# year list)
PANDAS_TABLES = {
    "national": ["reach", "actions", "funding"], "networks": ["reach", "actions", "funding", "criteria_assessments"],
    "overview": ["reach", "actions", "funding"], "campus": ["objectives", "indicators", "indicator_values",
                                                           "action_objectives", "reach", "funding", "actions"],
    "actions": ["actions", "action_objectives", "objectives", "reach"], "reach": ["reach", "actions", "funding"],
    "funding": ["funding", "actions", "reach"], "criteria": ["criteria", "criteria_assessments", "actions", "reach",
                                                             "funding"],
    "completeness": ["indicators", "indicator_values", "actions", "reach", "funding"],
    "history": ["actions", "reach", "funding"],
}


def page_queries(page: str, ctx: Filters) -> list[tuple[str, dict]]:
    """The (query, parameters) a page runs for the filters `ctx`, each once (the app caches a repeated one); the rows
    behind a chart are read only when « Voir les données » is opened, so they are not part of a page's load."""
    names, extra = registry.PAGE[page].figures, registry.PAGE[page].queries
    if page == "campus":
        ctx = ctx.but(campuses=(ctx.campus,), year=None)
    if page == "networks":  # the page opens on the first sector
        ctx = ctx.but(sector=ctx.sector or schema.SECTORS[0])
    if page == "national":  # its table reads where each region's indicators stand
        extra = (*extra, "overview_kpis", "iptt")
    wanted = [(q, {}) for q in COMMON] + [(FIGURES[n].query, FIGURES[n].params(ctx)) for n in names]
    wanted += [(q, ctx.params(queries.parameters(q))) for q in extra]
    out, seen = [], set()
    for q, p in wanted:
        key = (q, json.dumps(p, sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            out.append((q, p))
    return out


# ---------------------------------------------------------------- figures

@dataclass
class Measure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None
    higher_is_better: bool = False

    def as_dict(self) -> dict:
        ratio = round(self.value / self.baseline, 3) if self.baseline else None
        met = None
        if self.target is not None:
            met = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return {"name": self.name, "value": round(self.value, 3), "unit": self.unit,
                "baseline": None if self.baseline is None else round(self.baseline, 3), "ratio": ratio,
                "target": self.target, "met": met}


@dataclass
class Results:
    size: dict
    figures: list[Measure] = field(default_factory=list)
    log: Callable[[str], None] = print

    def add(self, *args, **kwargs) -> None:
        fig = Measure(*args, **kwargs)
        self.figures.append(fig)
        d = fig.as_dict()
        mark = {True: "ok", False: "MISSED", None: ""}[d["met"]]
        base = f"  baseline {d['baseline']:g} {fig.unit}  ratio {d['ratio']:g}" if d["baseline"] is not None else ""
        goal = f"  target {'≥' if fig.higher_is_better else '≤'} {fig.target:g}" if fig.target is not None else ""
        self.log(f"{fig.name:<52} {d['value']:>10g} {fig.unit:<4}{base}{goal}  {mark}")

    def as_dict(self) -> dict:
        return {"size": self.size, "figures": [f.as_dict() for f in self.figures]}


def _ms(samples: list[float]) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    a = np.array(samples) * 1000
    return float(np.median(a)), float(np.percentile(a, 95))


def _timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


# ---------------------------------------------------------------- the pandas baseline

def load_tables(store: Store, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame, the usual Streamlit way: pd.read_parquet of its files (its snapshot and delta, or
    its whole history), the latest batch per key kept."""
    m = store.manifest()
    out = {}
    for t in schema.TABLES.values():
        if names is not None and t.name not in names + ["campuses"]:
            continue
        state = m.get("current", {}).get(t.name, {})
        files = m["files"].get(t.name, [])
        if state.get("file"):
            files = [state["file"]] + ([state["delta"]] if state.get("delta") else [])
        if not files:
            continue
        df = pd.concat([pd.read_parquet(store.root / r) for r in files], ignore_index=True)
        out[t.name] = df.sort_values("batch_id").drop_duplicates(list(t.key), keep="last")
    out["batches"] = pd.concat([pd.read_parquet(store.root / r) for r in m["files"]["_batches"]], ignore_index=True)
    return out


def _once(reach: pd.DataFrame) -> pd.DataFrame:
    return reach.groupby(["action_id", "year", "audience", "detail"], as_index=False)["count"].max()


def pandas_page(page: str, t: dict, ctx: Filters) -> list:
    """The same aggregations as the page's SQL, in pandas."""
    year, campus = ctx.year, ctx.campus
    pick = (lambda d: d[d["year"] == year]) if year else (lambda d: d)
    reach, actions, funding = pick(t["reach"]), pick(t["actions"]), pick(t["funding"])
    common = [sorted(set(t["actions"]["year"]) | set(t["reach"]["year"]) | set(t["funding"]["year"])),
              t["campuses"].sort_values("campus_id"), t["batches"]["committed_at"].max()]
    if page in ("overview", "reach"):
        once = _once(reach)
        out = [actions.groupby("status").size(), once["count"].sum(), once.groupby("audience")["count"].sum(),
               reach.groupby(["campus_id", "audience"])["count"].sum()]
        if page == "overview":
            per_campus = reach.groupby("campus_id")["count"].sum().rename("reached").reset_index()
            out += [t["campuses"].merge(per_campus, on="campus_id", how="left"),
                    funding.groupby(["funder", "status"])["amount_eur"].sum(),
                    actions.groupby(["campus_id", "status"]).size()]
        else:
            out += [reach.groupby("audience")[["count", "women"]].sum(),
                    _once(t["reach"]).groupby(["year", "audience"])["count"].sum()]
        return common + out
    if page == "campus":
        mine = lambda d: d[d["campus_id"] == campus]  # noqa: E731
        values = mine(t["indicator_values"])
        tree = mine(t["objectives"]).merge(mine(t["indicators"]), on=["campus_id"], how="left", suffixes=("", "_i"))
        return common + [tree.groupby("objective_id").size(), values.sort_values(["indicator_id", "year"]),
                         mine(t["actions"]).merge(t["action_objectives"], on="action_id", how="left"),
                         _once(mine(t["reach"])).groupby("audience")["count"].sum(),
                         mine(t["funding"]).sort_values(["year", "funder"])]
    if page == "actions":
        links = actions.merge(t["action_objectives"], on="action_id", how="left")
        return common + [t["objectives"][t["objectives"]["level"] != "realisation"],
                         links.groupby("action_id")["objective_id"].agg(lambda s: ", ".join(s.dropna())),
                         links[links["campus_id_x"] == campus]]
    if page == "funding":
        flows = funding.merge(t["campuses"][["campus_id", "region"]], on="campus_id")
        return common + [funding.groupby("status")["amount_eur"].agg(["sum", "count"]),
                         flows.groupby(["funder", "region"])["amount_eur"].sum(),
                         t["funding"].groupby(["year", "funder_type"])["amount_eur"].sum(),
                         funding.groupby(["kind", "status"])["amount_eur"].agg(["sum", "count"]),
                         funding[funding["amount_eur"].isna()]]
    if page == "criteria":
        grid = pick(t["criteria_assessments"]).merge(t["criteria"], on="criterion_no")
        return common + [grid, grid.groupby("criterion_no")["level"].mean()]
    if page == "completeness":
        values = pick(t["indicator_values"])
        per = t["indicators"].groupby("campus_id").size().rename("indicators").reset_index()
        filled = values.groupby(["campus_id", "year"])["value"].count().rename("with_value").reset_index()
        return common + [per.merge(filled, on="campus_id", how="left"),
                         t["indicators"][t["indicators"]["campus_id"] == campus].merge(values, on="indicator_id", how="left")]
    if page == "history":
        return common + [t["batches"].sort_values("batch_id", ascending=False)]
    if page == "national":
        where = t["campuses"][["campus_id", "region"]]
        once = reach.merge(where, on="campus_id").groupby(["region", "action_id", "year", "audience", "detail"],
                                                          dropna=False)["count"].max()
        return common + [once.groupby("region").sum(), funding.merge(where, on="campus_id").groupby("region")[
            "amount_eur"].sum(), actions.merge(where, on="campus_id").groupby("region").size()]
    if page == "networks":
        members = set(t["campuses"].loc[t["campuses"]["sector"] == (ctx.sector or schema.SECTORS[0]), "campus_id"])
        mine = lambda d: d[d["campus_id"].isin(members)]  # noqa: E731
        return common + [mine(reach).groupby(["campus_id", "audience"])["count"].sum(),
                         mine(actions).groupby(["campus_id", "status"]).size(),
                         mine(funding).groupby(["campus_id", "funder_type"])["amount_eur"].sum(),
                         mine(t["criteria_assessments"]).groupby("campus_id")["level"].max()]
    raise KeyError(page)


def pandas_cold(store: Store, page: str, ctx: Filters) -> None:
    """A new process's first run of a page the pandas way: read the page's tables, then aggregate."""
    pandas_page(page, load_tables(store, PANDAS_TABLES[page] + ["actions", "reach", "funding"]), ctx)


# ---------------------------------------------------------------- measurements

def default_context(store: Store) -> Filters:
    """What a committee member sees first: the latest year, every campus; the first campus where one is chosen."""
    con = store.connect()
    try:
        year = int(queries.run("years", con=con)["year"].iloc[0])
        campus = str(queries.run("campuses", con=con)["campus_id"].iloc[0])
    finally:
        con.close()
    return Filters(year=year, campus=campus)


def duckdb_cold(store: Store, page: str, ctx: Filters, sight=None) -> None:
    """A new connection and every query of the page, as the app runs them: each on its own cursor for a national
    reader; for a scoped `sight`, on the cursor the app keeps for it, new (its views declared on first use)."""
    con = store.connect()
    scoped = sight is not None and not sight.everything
    kept, held = (con.cursor(), {}) if scoped else (None, None)
    try:
        for name, params in page_queries(page, ctx):
            cur = kept or con.cursor()
            try:
                queries.run(name, con=cur, sight=sight, held=held, **params)
            finally:
                if not scoped:
                    cur.close()
    finally:
        con.close()


def duckdb_kept(store: Store, page: str, ctx: Filters, sight=None) -> Callable[[], None]:
    """The page's queries again on a cursor that already ran them, as the app's kept cursor for a scoped sight reads
    every page after its first (its views declared): returns the run to time."""
    con = store.connect()
    cur, held = con.cursor(), {}
    scoped = sight is not None and not sight.everything

    def run() -> None:
        for name, params in page_queries(page, ctx):
            queries.run(name, con=cur, sight=sight, held=held if scoped else None, **params)

    run()
    return run


def region_alone(store: Store, region: str, root: Path) -> Store:
    """A store holding one region alone: the current rows of its campuses (and the tables common to every campus),
    one batch per table."""
    alone = Store(root)
    alone.put_account(auth.new_account(synth.USER, "admin", national=True), replace=True)
    mine = {c for c, r in store.campus_regions().items() if r == region}
    for name in schema.LOAD_ORDER:
        rows = store.current(name).drop(columns=["batch_id"], errors="ignore")
        column = schema.table(name).campus_column
        if column:
            rows = rows[rows[column].isin(mine)]
        if len(rows):
            alone.commit(name, rows, file_name=f"{name}.csv", user=synth.USER)
    alone.connect().close()  # its read catalogue built, as the national store's is
    return alone


def measure_scopes(store: Store, report: Results, reps: int, tmp: Path) -> None:
    """Every page's queries, cold, for a national reader, the reader of the largest region and a director of one of
    its campuses, on the same store; and the regional reader's pages beside the same pages on a store holding that
    region alone: cold (a new connection, the sight's views declared on first use; target: at most 1.2 ×, the scope
    costs a region nothing for sharing the nation's store), and again on the cursor the app keeps for the sight (every
    page after the first of a store version)."""
    ctx = default_context(store).but(campus=None)
    regions = store.campus_regions()
    largest = pd.Series(regions).value_counts().index[0]
    _, reader = synth.regional(largest)
    sights = {"national": store.sight(store.account(synth.USER)),
              "regional": store.sight(store.account(reader)),
              "director": store.sight(store.account(synth.DIRECTOR))}
    alone = region_alone(store, largest, tmp / "region-alone")
    for page in PAGES:
        med = {who: _ms(_timed(lambda page=page, s=s: duckdb_cold(store, page, ctx, s), reps))[0]
               for who, s in sights.items()}
        by_itself, _ = _ms(_timed(lambda page=page: duckdb_cold(alone, page, ctx), reps))
        report.add(f"cold median · national reader · {page}", med["national"], "ms")
        report.add(f"cold median · regional reader · {page}", med["regional"], "ms", baseline=med["national"])
        report.add(f"cold median · director · {page}", med["director"], "ms", baseline=med["national"])
        report.add(f"regional reader, national store / region alone · {page}", med["regional"] / by_itself, "×",
                   target=1.2)
        kept, _ = _ms(_timed(duckdb_kept(store, page, ctx, sights["regional"]), reps))
        kept_alone, _ = _ms(_timed(duckdb_kept(alone, page, ctx), reps))
        report.add(f"regional reader, national store / region alone, cursor kept · {page}", kept / kept_alone, "×")


def measure_catalogue(store: Store, report: Results) -> None:
    """The read catalogue of a store version: built whole (a store's first read), then after a small upload to the
    largest table (the next read after an import rebuilds only that table)."""
    shutil.rmtree(store.root / "_catalogue", ignore_errors=True)
    t = time.perf_counter()
    store.connect().close()
    report.add("catalogue · first read of a store (whole build)", (time.perf_counter() - t) * 1000, "ms")
    reach = store.current("reach")
    campus = str(reach["campus_id"].iloc[0])
    rows = reach[reach["campus_id"] == campus].head(20).drop(columns="batch_id")
    store.commit("reach", rows.assign(count=rows["count"] + 1), user=synth.USER, campus_id=campus)
    t = time.perf_counter()
    store.connect().close()
    report.add("catalogue · first read after a 20-row reach upload", (time.perf_counter() - t) * 1000, "ms")


def measure_pages(store: Store, report: Results, reps: int, cold_target: float, national: bool) -> None:
    ctx = default_context(store)
    os.environ["CMQ_DATA_DIR"] = str(store.root)
    from cmq.app import ui  # the app's cached read path (st.cache_data works outside a running server too)

    whole = store.sight(store.account(synth.USER))
    ui.sight = lambda: whole  # read as a national reader signed in would (outside a session, the app reads nothing)

    tables = load_tables(store)
    for page in PAGES:
        cold_med, cold_p95 = _ms(_timed(lambda page=page: duckdb_cold(store, page, ctx), reps))
        base_med, _ = _ms(_timed(lambda page=page: pandas_cold(store, page, ctx), max(3, reps // 2)))
        report.add(f"cold p95 · {page}", cold_p95, "ms", baseline=base_med, target=cold_target)
        if national:
            report.add(f"cold speed-up vs pandas · {page}", base_med / cold_med, "×", target=3, higher_is_better=True)
            run_all = lambda page=page: [ui.query(n, **p) for n, p in page_queries(page, ctx)]  # noqa: E731
            run_all()
            _, warm_p95 = _ms(_timed(run_all, reps * 3))
            warm_base, _ = _ms(_timed(lambda page=page: pandas_page(page, tables, ctx), reps))
            report.add(f"warm p95 · {page}", warm_p95, "ms", baseline=warm_base, target=50)


def measure_page_runs(store: Store, report: Results, sessions: int = 3) -> None:
    """What a committee member waits for on the server (cmq/dev/pagerun.py): a whole run of every page, CPU and wall,
    cold (a session's first visit, on a store other sessions read) and warm (a filter change), each beside the floor
    page measured in the same run; target: warm ≤ 1.5 × the floor."""
    from cmq.dev import pagerun

    runs = pagerun.measure(store, sessions=sessions)
    floor = runs.pop(pagerun.FLOOR)
    report.add("page run · floor (two charts, four metrics, a table) · warm CPU", floor["warm_cpu"], "ms")
    report.add("page run · floor · cold CPU", floor["cold_cpu"], "ms")
    for page, r in runs.items():
        report.add(f"page run warm CPU · {page}", r["warm_cpu"], "ms", baseline=floor["warm_cpu"])
        report.add(f"page run warm wall · {page}", r["warm_wall"], "ms", baseline=floor["warm_wall"])
        report.add(f"page run cold CPU · {page}", r["cold_cpu"], "ms", baseline=floor["cold_cpu"])
        report.add(f"page run warm / floor · {page}", r["warm_cpu"] / floor["warm_cpu"], "×", target=1.5)


RSS_CHILD = """
import sys
sys.path.insert(0, {root!r})
from cmq.dev import bench
from cmq.core.store import Store
store, mode = Store(sys.argv[1]), sys.argv[2]
ctx = bench.default_context(store)
import plotly, streamlit  # both ways are Streamlit apps drawing plotly charts
if mode == "app":
    from cmq.app import ui  # what the app process holds: streamlit, plotly, duckdb
    from cmq.outputs.registry import FIGURES, PAGE
    con = store.connect()
    for page in bench.PAGES:
        for name, params in bench.page_queries(page, ctx):
            bench.queries.run(name, con=con, **params)
        for n in PAGE[page].figures:
            f = FIGURES[n]
            f.chart(bench.queries.run(f.query, con=con, **f.params(ctx)), ctx)
else:
    tables = bench.load_tables(store)
    for page in bench.PAGES:
        bench.pandas_page(page, tables, ctx)
# VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across fork and exec)
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) // 1024)
"""


def peak_rss(store: Store, mode: str) -> float:
    """Peak resident memory (MB) of a fresh process that serves every page the app's way or the pandas way."""
    root = str(ROOT)
    out = subprocess.run([sys.executable, "-c", RSS_CHILD.format(root=root), str(store.root), mode],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def import_rows(campuses: int) -> int:
    """The rows of the benchmark's import file: 100 000 from 50 campuses on (the national figures), fewer for a small
    store (a quick run, the test's, measures the same path on a smaller file)."""
    return min(100_000, 2_000 * campuses)


def measure_import(store: Store, report: Results, tmp: Path, rows: int = 100_000) -> None:
    from cmq.core import ingest

    data = synth.import_csv(store, rows, seed=store.version())  # new values on a kept store run again
    rows = data.count(b"\n") - 1

    def pandas_way():
        pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="cp1252").to_parquet(tmp / "baseline.parquet")

    base = statistics.median(_timed(pandas_way, 3))
    t = time.perf_counter()
    rep = ingest.import_bytes(store, "indicator_values", data, "valeurs.csv", user=synth.USER, dry_run=True)
    dry = time.perf_counter() - t
    if rep.status != "valid":
        raise RuntimeError(f"bench import refused: {rep.errors[:3]}")
    t = time.perf_counter()
    rep = ingest.import_bytes(store, "indicator_values", data, "valeurs.csv", user=synth.USER)
    commit = time.perf_counter() - t
    report.add(f"import {rows:,} rows cp1252 · dry run", dry * 1000, "ms", baseline=base * 1000)
    report.add(f"import {rows:,} rows cp1252 · validate + commit", commit * 1000, "ms", baseline=base * 1000, target=3000)
    report.add("import · rows per second", rows / commit, "rows/s", target=33_000, higher_is_better=True)
    report.add("import · validate + commit / pandas read_csv + to_parquet", commit / base, "×", target=2)


def measure_small_batches(report: Results, tmp: Path, n: int = 1000) -> None:
    """The reach page after `n` small uploads, after compaction, and on the same rows committed as one batch."""
    size = synth.Size(20, 1, 2018)
    rng = np.random.default_rng(3)
    stores = {}
    for kind in ("many", "single"):
        store = Store(tmp / f"batches-{kind}")
        store.put_account(auth.new_account(synth.USER, "admin", national=True), replace=True)
        ref = synth.reference_tables(size, np.random.default_rng(1))
        for name in ("campuses", "criteria", "objectives", "indicators"):
            store.commit(name, ref[name], user=synth.USER)
        stores[kind] = store
    codes = synth.campus_codes(size.campuses)
    parts = []
    for i in range(n):
        campus = codes[i % len(codes)]
        parts.append(pd.DataFrame({"campus_id": campus, "action_id": [f"{campus}-A{i:04d}-{k}" for k in range(20)],
                                   "year": 2018, "audience": rng.choice(list(schema.AUDIENCES), 20),
                                   "count": rng.integers(1, 300, 20)}))
    for part in parts:
        stores["many"].commit("reach", part, user=synth.USER, campus_id=str(part["campus_id"].iloc[0]))
    stores["single"].commit("reach", pd.concat(parts, ignore_index=True), user=synth.USER)
    ctx = default_context(stores["single"])

    def page_time(store):
        duckdb_cold(store, "reach", ctx)
        return _ms(_timed(lambda: duckdb_cold(store, "reach", ctx), 15))[0]

    single = page_time(stores["single"])
    before = page_time(stores["many"])
    stores["many"].compact()
    after = page_time(stores["many"])
    report.add(f"reach page after {n} small batches", before, "ms", baseline=single)
    report.add(f"reach page after {n} small batches, compacted / single batch", after / single, "×", target=1.2)


def measure_document(store: Store, report: Results, kind: str, label: str, target: float) -> None:
    """A region document for the latest year, built and written in both its formats: the meeting pack (PPTX + PDF) or
    the annual activity report (DOCX + PDF)."""
    from cmq.outputs import pack
    from cmq.outputs import report as activity

    module, formats, name = {"pack": (pack, ("pptx", "pdf"), "region meeting pack PPTX + PDF"),
                             "report": (activity, ("docx", "pdf"), "region activity report DOCX + PDF")}[kind]
    t = time.perf_counter()
    built = module.build_from_store(store, "region", default_context(store).year)
    files = [module.render(built, f) for f in formats]
    report.add(f"{name} · {label}", time.perf_counter() - t, "s", target=target)
    assert all(files)


def measure_browser(store: Store, report: Results, reps: int = 3) -> None:
    """Server start to first chart visible (signing in included) over `reps` starts, each with a new browser (nothing
    cached), then a page switch, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from cmq.core.demo import DEMO_ACCOUNTS

    name, _, _, password = next(a for a in DEMO_ACCOUNTS if a[0] == "comite")
    store.put_account(auth.new_account(name, "lecteur", [], password, national=True), replace=True)
    port, url = 8765, "http://127.0.0.1:8765"
    firsts, switches = [], []
    with sync_playwright() as pw:
        for _ in range(reps):
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "cmq", "serve", "--port", str(port), "--address",
                                     "127.0.0.1"], env=dict(os.environ, CMQ_DATA_DIR=str(store.root)),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    cwd=ROOT)
            try:
                # open the page once the server says it is up, as a person would (a browser sent to a closed port
                # shows an error page; measured: retrying that way adds ~0.8 s that nobody would wait)
                while True:
                    try:
                        urllib.request.urlopen(url + "/_stcore/health", timeout=1).close()
                        break
                    except OSError:
                        if time.perf_counter() - t0 > 60 or proc.poll() is not None:
                            raise
                        time.sleep(0.05)
                page.goto(url)
                page.get_by_label("Nom du compte", exact=True).fill(name)
                page.get_by_label("Mot de passe", exact=True).fill(password)
                page.get_by_role("button", name="Se connecter", exact=True).click()
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
                firsts.append(time.perf_counter() - t0)
                page.wait_for_timeout(1500)
                t = time.perf_counter()
                page.get_by_role("link", name="Financements").click()
                page.get_by_role("heading", name="Financements").wait_for(timeout=30_000)
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
                switches.append(time.perf_counter() - t)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                browser.close()
    report.add(f"browser · server start to first chart (median of {reps})", statistics.median(firsts), "s", target=4)
    report.add(f"browser · server start to first chart (slowest of {reps})", max(firsts), "s")
    report.add(f"browser · page switch to Financements (median of {reps})", statistics.median(switches), "s",
               target=1.5)


def measure_postgres(store: Store, url: str, report: Results, reps: int, rows: int = 100_000) -> None:
    """The same store on PostgreSQL (CMQ_DATABASE_URL), beside the embedded one in the same run: the copy, the
    catalogue's first build, every page cold and warm, and a 100,000-row import (new values for every row) into each."""
    from cmq.app import ui
    from cmq.core import ingest
    from cmq.core.store import postgres, transfer

    postgres.upgrade(url)
    pg = postgres.PgStore(url)
    t = time.perf_counter()
    transfer.copy(store, pg)
    report.add("postgres · copy of the whole store (store copy)", time.perf_counter() - t, "s")
    timings = {}
    for label, s in (("embedded", store), ("postgres", pg)):
        shutil.rmtree(s.root / "_catalogue", ignore_errors=True)
        t = time.perf_counter()
        s.connect().close()
        timings[label] = (time.perf_counter() - t) * 1000
    report.add("postgres · catalogue first build (whole store)", timings["postgres"], "ms", baseline=timings["embedded"])
    ctx = default_context(store)
    for page in PAGES:
        emb_med, emb_p95 = _ms(_timed(lambda page=page: duckdb_cold(store, page, ctx), reps))
        pg_med, pg_p95 = _ms(_timed(lambda page=page: duckdb_cold(pg, page, ctx), reps))
        report.add(f"postgres cold p95 · {page}", pg_p95, "ms", baseline=emb_p95, target=300)
        report.add(f"postgres / embedded cold median · {page}", pg_med / emb_med, "×", target=1.5)
        warm = {}
        for label, env in (("embedded", {"CMQ_DATABASE_URL": "", "CMQ_DATA_DIR": str(store.root)}),
                           ("postgres", {"CMQ_DATABASE_URL": url})):
            os.environ.update(env)
            run_all = lambda page=page: [ui.query(n, **p) for n, p in page_queries(page, ctx)]  # noqa: E731
            run_all()
            warm[label] = _ms(_timed(run_all, reps * 3))[0]
        os.environ["CMQ_DATABASE_URL"] = ""
        report.add(f"postgres warm median · {page}", warm["postgres"], "ms", baseline=warm["embedded"], target=50)
    # the same two files into each store: years before the synthetic ones (every row inserted), then new figures for
    # them (every row updated)
    for what, data in (("every row new", synth.import_csv(store, rows, seed=8, last_year=2015)),
                       ("every row updated", synth.import_csv(store, rows, seed=9, last_year=2015))):
        rows = data.count(b"\n") - 1
        took = {}
        for label, s in (("embedded", store), ("postgres", pg)):
            s.connect().close()  # the version's catalogue, as a page would have built it (the import reads it)
            t = time.perf_counter()
            rep = ingest.import_bytes(s, "indicator_values", data, "valeurs.csv", user=synth.USER)
            took[label] = time.perf_counter() - t
            if rep.status != "committed":
                raise RuntimeError(f"bench import refused on {label}: {rep.errors[:3]}")
        report.add(f"postgres · import {rows:,} rows, {what} · validate + commit", took["postgres"] * 1000, "ms",
                   baseline=took["embedded"] * 1000, target=3000)


def measure(campuses: int = 200, years: int = 10, browser: bool = False, reps: int = 7, keep: Path | None = None,
        small_batches: int = 1000, log: Callable[[str], None] = print, database_url: str | None = None) -> Results:
    """The whole benchmark for one size; the synthetic store lives in a temporary folder (or `keep`)."""
    size = synth.Size(campuses, years, 2027 - years)
    national = campuses <= synth.NATIONAL.campuses * 2
    report = Results({"campuses": campuses, "years": years, "first_year": size.first_year,
                     "cpus": os.cpu_count()}, log=log)
    tmp = Path(tempfile.mkdtemp(prefix="cmq-bench-"))
    try:
        root = keep or tmp / "store"
        store = Store(root)
        if store.is_empty():
            log(f"generating {campuses} campuses × {years} years through the commit path…")
            t = time.perf_counter()
            # national: one batch per campus × year × table, as directors upload; stress: one per table (hours else)
            counts = synth.generate(store, size, batches="upload" if national else "table")
            took = time.perf_counter() - t
            report.size |= {"rows": counts, "batches": store.manifest()["next_batch"] - 1}
            report.add(f"generation · {store.manifest()['next_batch'] - 1:,} batches committed", took, "s")
        else:
            report.size |= {"batches": store.manifest()["next_batch"] - 1}
        measure_catalogue(store, report)
        measure_pages(store, report, reps if national else 3, cold_target=300 if national else 1000, national=national)
        if national:
            measure_scopes(store, report, reps, tmp)
            measure_page_runs(store, report, sessions=3 if reps >= 5 else 1)
        if national:
            app, base = peak_rss(store, "app"), peak_rss(store, "pandas")
            report.add("peak RSS · app process (every page)", app, "MB", baseline=base, target=400)
            report.add("peak RSS · app / pandas", app / base, "×", target=round(1 / 3, 3))
            measure_import(store, report, tmp, import_rows(campuses))
            measure_small_batches(report, tmp, small_batches)
            demo_store = Store(tmp / "demo")
            from cmq.core import demo

            demo.build(demo_store)
            measure_document(demo_store, report, "pack", "demo", 10)
            measure_document(store, report, "pack", "national", 30)
            measure_document(demo_store, report, "report", "demo", 10)
            measure_document(store, report, "report", "national", 60)
            if browser:
                measure_browser(store, report)
        if database_url:
            measure_postgres(store, database_url, report, reps, import_rows(campuses))
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(a) -> int:
    log = (lambda s: print(s, file=sys.stderr)) if a.json else print
    if a.load:  # people at once on a served demo (cmq/dev/load.py), instead of the synthetic store's figures
        from cmq.dev import load

        results = load.run(a.load, log=log, imports=a.imports, processes=a.processes)
        if a.json:
            print(json.dumps({"load": results}, ensure_ascii=False))
        return 0
    report = measure(a.campuses, a.years, browser=a.browser, reps=a.reps, keep=Path(a.keep) if a.keep else None,
                 small_batches=a.small_batches, log=log, database_url=a.database_url)
    if a.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    missed = [f.name for f in report.figures if f.as_dict()["met"] is False]
    log(f"{len(report.figures)} figures, {len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 0
