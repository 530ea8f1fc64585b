"""Shared fixtures: a demo store built once per test process, and writable copies of it."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from cmq.core import auth  # noqa: E402
from cmq.core.demo import open_store  # noqa: E402
from cmq.core.store import Store  # noqa: E402

ADMIN = "admin"  # the demo administrator (cmq/demo.py)
os.environ.setdefault("CMQ_DEBUG", "1")  # a page's unexpected error reaches the tests (people see a French message)


def admin_store(root) -> Store:
    """A new, empty store with one administrator account (no password) that tests commit as."""
    s = Store(root)
    s.put_account(auth.new_account(ADMIN, "admin", national=True), replace=True)
    return s


def app_test(account: str | None = ADMIN) -> AppTest:
    """The app as `account` signed in (None: nobody signed in, the login page)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if account:
        from cmq.app import session
        from cmq.core import demo
        from cmq.core.store import StoreError, store_at

        try:  # the store the test points the app at (CMQ_DATA_DIR, CMQ_DATABASE_URL)
            held = store_at().account(account)
        except StoreError:  # a database stopped by the test: the demo account as it was made
            held = next(({"role": r, "campuses": c} for n, r, c, _ in demo.DEMO_ACCOUNTS if n == account), None)
        at.session_state["account"] = session.record(account, auth.grant(held) if held else None)
    return at


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A store built from data/demo through the import path; never written by tests."""
    root = tmp_path_factory.mktemp("demo-store")
    open_store(root, demo=True)
    return root


@pytest.fixture(scope="session")
def demo_store(demo_root) -> Store:
    return Store(demo_root)


@pytest.fixture
def store_copy(demo_root, tmp_path) -> Store:
    """A writable copy of the demo store."""
    dst = tmp_path / "store"
    shutil.copytree(demo_root, dst, ignore=shutil.ignore_patterns("*.lock"))
    return Store(dst)


@pytest.fixture(scope="module")
def demo_url(demo_root, tmp_path_factory):
    """The app served on a copy of the demo, one server for the browser tests of a module that write nothing (its
    caches warm from one test to the next, as a real server's are)."""
    from browser import streamlit_server

    dst = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(demo_root, dst, ignore=shutil.ignore_patterns("*.lock"))
    with streamlit_server(dst) as url:
        yield url


@pytest.fixture
def data_dir(store_copy, monkeypatch) -> Path:
    """CMQ_DATA_DIR pointing at a writable copy of the demo store."""
    monkeypatch.setenv("CMQ_DATA_DIR", str(store_copy.root))
    return store_copy.root


def cli(*args, data_dir=None, stdin: str = "", store=None):
    """python -m cmq ARGS on the store `data_dir` (or `store`, on either backend), `stdin` as standard input."""
    env = dict(os.environ, **(where(store) if store is not None else {"CMQ_DATA_DIR": str(data_dir)}))
    return subprocess.run([sys.executable, "-m", "cmq", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)


def shown(markdown: str) -> str:
    """A text as the reader sees it (Streamlit's Markdown without the escapes fmt.md put in)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def frame(at, column: str):
    """The first table an AppTest page shows that has `column`."""
    for df in at.table:  # a static table's cells are Markdown: the texts are read without their escapes
        if column in df.value.columns:
            return df.value.map(lambda v: re.sub(r"\\(.)", r"\1", v) if isinstance(v, str) else v)
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}")


NOT_DATA = ("session-secret", "signin-waits.json")  # the sessions' key and the sign-in counts: made by signing in


def snapshot(root: Path) -> dict:
    """Every file of a store with its bytes: to prove a refused write changed nothing. The read catalogues
    (_catalogue/, built by reads, derived from the Parquet files), the locks and what signing in keeps are not the
    store's data."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock") and p.name not in NOT_DATA
            and p.relative_to(root).parts[0] != "_catalogue"}


# ---------------------------------------------------------------- PostgreSQL (the shared store, see pgserver.py)
@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A real PostgreSQL server for this test process; skipped only where PostgreSQL cannot be found, never in CI."""
    import pgserver

    if pgserver.bin_dir() is None:
        message = "PostgreSQL est introuvable : installez le paquet Debian « postgresql » (make test le fait)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("CMQ_CACHE_DIR", str(tmp_path_factory.mktemp("catalogues")))
    server = pgserver.Server()
    yield server
    server.close()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A database with the store's schema, copied for each test (create database … template)."""
    from cmq.core.store import postgres

    name = f"cmq_template_{os.getpid()}"
    pg_server.sql(f"create database {name}")
    postgres.upgrade(pg_server.url(name))
    return name


@pytest.fixture
def pg_url(pg_server, pg_template) -> str:
    """A new, empty store database (schema applied, nothing written)."""
    import pgserver

    return pgserver.new_database(pg_server, pg_template)


@pytest.fixture(scope="session")
def pg_demo_template(pg_server, pg_template, demo_store) -> str:
    """A database holding a copy of the demo store (batches, history, accounts), copied for each test."""
    import pgserver

    from cmq.core.store import postgres, transfer

    url = pgserver.new_database(pg_server, pg_template)
    transfer.copy(demo_store, postgres.PgStore(url))
    postgres.close_pool(url)  # a template must have no connection
    return url.rsplit("/", 1)[1]


@pytest.fixture
def pg_demo_copy(pg_server, pg_demo_template):
    """A writable copy of the demo store on PostgreSQL."""
    import pgserver

    from cmq.core.store.postgres import PgStore

    return PgStore(pgserver.new_database(pg_server, pg_demo_template))


@pytest.fixture(params=["parquet", "postgres"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def any_store_copy(backend, request):
    """A writable copy of the demo store, on each backend in turn (the embedded folder, then PostgreSQL)."""
    return request.getfixturevalue("store_copy" if backend == "parquet" else "pg_demo_copy")


@pytest.fixture
def any_empty_store(backend, request, tmp_path):
    """A new store with one administrator (ADMIN), on each backend in turn."""
    if backend == "parquet":
        return admin_store(tmp_path / "store")
    from cmq.core.store.postgres import PgStore

    s = PgStore(request.getfixturevalue("pg_url"))
    s.put_account(auth.new_account(ADMIN, "admin", national=True), replace=True)
    return s


def where(store) -> dict:
    """The environment that points a child process (the command line, a server) at `store`, on either backend."""
    from cmq.core.store import Store

    if isinstance(store, Store):
        return {"CMQ_DATA_DIR": str(store.root), "CMQ_DATABASE_URL": ""}
    return {"CMQ_DATABASE_URL": store.url}


@pytest.fixture
def any_data(any_store_copy, monkeypatch):
    """The app (AppTest) and the command line pointed at `any_store_copy`, on each backend in turn."""
    for key, value in where(any_store_copy).items():
        monkeypatch.setenv(key, value)
    return any_store_copy


def state_of(store):
    """What a refused write must leave unchanged: every file of an embedded store, byte for byte; for PostgreSQL the
    store's version and every canonical view."""
    from cmq.core.store import Store, transfer

    if isinstance(store, Store):
        return snapshot(store.root)
    return {"version": store.version(), "accounts": store.accounts(), "campaigns": store.campaigns(),
            **{name: store.read(f"select * from {name}").to_csv(index=False) for name in transfer.CANONICAL}}


def unchanged(store, thorough: bool = True):
    """What a refused write leaves as it was: every file of a folder, byte for byte (not `thorough`: every file's
    name and size, the manifest and the accounts byte for byte); a database's version (any commit moves it: a refused
    write never reaches its transaction's end), accounts and campaigns."""
    from cmq.core.store import Store

    if isinstance(store, Store):
        if thorough:
            return state_of(store)
        files = [p for p in store.root.rglob("*") if p.is_file() and "_catalogue" not in p.parts]
        return (sorted((str(p.relative_to(store.root)), p.stat().st_size) for p in files),
                (store.root / "manifest.json").read_bytes(), (store.root / "accounts.json").read_bytes())
    return store.version(), store.accounts(), store.campaigns()


ARA = "Auvergne-Rhône-Alpes"
BFC = "Bourgogne-Franche-Comté"
# the accounts of a store of two regions (see second_region), beside the demo's admin (national), comite (national
# reader) and directeur-agt: name → (role, campuses, regions)
REGIONAL_ACCOUNTS = {"coord-bfc": ("admin", [], [BFC]), "lecteur-bfc": ("lecteur", [], [BFC]),
                     "coord-ara": ("admin", [], [ARA]), "lecteur-ara": ("lecteur", [], [ARA]),
                     "directeur-val": ("directeur", ["VAL"], [])}
REGIONAL_PASSWORD = "mot-de-passe-regional"


def second_region(store, code: str = "VAL", passwords: bool = False) -> None:
    """Make the demo store one of two regions: campus `code` in Auvergne-Rhône-Alpes (« Tourisme, gastronomie », as
    AGT), its plan, actions, reach and funding copied from AGT's with every identifier renamed, committed by the
    national administrator; and the regional accounts of REGIONAL_ACCOUNTS (with REGIONAL_PASSWORD when asked)."""
    for t in ("campuses", "objectives", "indicators", "indicator_values", "actions", "action_objectives", "reach",
              "funding", "criteria_assessments"):
        rows = store.current(t)
        rows = rows[rows["campus_id"] == "AGT"].copy()
        for col in rows.columns:  # its codes renamed, nothing naming the other region (a funder « Région … »)
            if pd.api.types.is_string_dtype(rows[col]):
                rows[col] = rows[col].map(lambda v: v.replace("AGT", code).replace(BFC, ARA) if isinstance(v, str) else v)
        if t == "campuses":
            rows[["name", "region", "academie", "city"]] = [f"Valence tourisme ({code})", ARA, "Grenoble", "Valence"]
        if t == "actions":
            rows["co_campuses"] = None
        store.commit(t, rows.drop(columns=["batch_id"], errors="ignore"), user="admin", file_name=f"{code}-{t}.csv")
    for name, (role, campuses, regions) in REGIONAL_ACCOUNTS.items():
        store.put_account(auth.new_account(name, role, [c.replace("VAL", code) for c in campuses],
                                           REGIONAL_PASSWORD if passwords else None, regions=regions), replace=True)


@pytest.fixture(scope="session")
def two_region_root(demo_root, tmp_path_factory) -> Path:
    """A copy of the demo made a store of two regions (second_region), built once; never written by tests."""
    root = tmp_path_factory.mktemp("two-regions") / "store"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns("*.lock"))
    second_region(Store(root), passwords=True)
    return root


@pytest.fixture
def two_regions_copy(two_region_root, tmp_path) -> Store:
    """A writable copy of the store of two regions."""
    dst = tmp_path / "two-regions"
    shutil.copytree(two_region_root, dst, ignore=shutil.ignore_patterns("*.lock"))
    return Store(dst)


# the longest tests (a minute or more each on two cores: a whole season, the benchmark, real browsers and servers)
# start first, so that the workers end together instead of one running the last long test alone
LONGEST = ("test_season.py::", "test_bench.py::test_bench_json_on_a_tiny_size", "test_regions.py::test_two_regions",
           "test_browser.py::test_every_page", "test_browser.py::test_two_app_servers", "test_browser.py::test_upload",
           "test_accessibility.py::test_axe", "test_sso.py::test_sso_round_trip", "test_signin_http.py::",
           "test_serving.py::", "test_demo.py::test_an_untouched", "test_campaigns.py::test_the_whole_cycle")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:  # the longest first, in LONGEST's order; the rest keep theirs (the sort is stable)
        return next((i for i, name in enumerate(LONGEST) if name in item.nodeid), len(LONGEST))

    items.sort(key=rank)
