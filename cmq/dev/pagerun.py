"""What a person waits for on the server: the time of a whole run of each page's script (signed in as a committee
member, the app's own cached path), cold — a session's first visit to the page on a store other sessions already
read — and warm — a filter changed to a year the server already served —, CPU and wall, beside a bare Streamlit page
measured the same way in the same run (cmq/dev/floor_page.py, the floor)."""
from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

from cmq import ROOT
from cmq.app import keys
from cmq.core import auth
from cmq.core.store import Store
from cmq.outputs import registry

READER = "bench-lecteur"  # the committee member the benchmark signs in as
FLOOR = "floor"
YEAR_FILTER = "flt_year"  # the sidebar's year (ui.filters), the floor's too


def _timed_run(at) -> tuple[float, float]:
    """CPU (the whole process: the script runs in a thread of its own) and wall time of one run, in ms."""
    cpu, wall = time.process_time(), time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(f"la page a échoué : {at.exception[0].value}")
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def _session(page: str, account: dict):
    """A new session of the app signed in as `account`, on `page` (FLOOR: the floor page alone)."""
    from streamlit.testing.v1 import AppTest

    if page == FLOOR:
        return AppTest.from_file(str(ROOT / "cmq" / "dev" / "floor_page.py"), default_timeout=120)
    from cmq.app import session

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[keys.ACCOUNT] = session.record(account["name"], auth.grant(account))
    at.switch_page(registry.PAGE[page].path)
    return at


def _years(at) -> list:
    """The year filter's choices other than the one the page opened on (none: the page has no year filter)."""
    box = next((b for b in at.selectbox if b.key == YEAR_FILTER), None)
    return [] if box is None else [y for y in box.options if y != box.value][:1] + [box.value]


def _visit(page: str, account: dict) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """One session: its first run on `page` (cold), then each filter change (warm)."""
    at = _session(page, account)
    cold = _timed_run(at)
    warm = []
    for year in _years(at) * 2:  # to the other year and back, twice: the server has served both
        next(b for b in at.selectbox if b.key == YEAR_FILTER).set_value(year)
        warm.append(_timed_run(at))
    if not warm:  # a page without a year filter: a rerun of the same view
        warm = [_timed_run(at) for _ in range(3)]
    return cold, warm[1:] if len(warm) > 1 else warm


def measure(store: Store, sessions: int = 3, pages: list[str] | None = None) -> dict[str, dict[str, float]]:
    """page → median ms of cold and warm runs (cpu and wall) over `sessions` sessions, after one session has read
    each page (the server's caches warm, as for a committee opening a link the first member already opened)."""
    from cmq.app import ui

    os.environ["CMQ_DATA_DIR"] = str(store.root)
    os.environ.pop("CMQ_DATABASE_URL", None)
    account = store.account(READER)
    if account is None:
        store.put_account(auth.new_account(READER, "lecteur", national=True), replace=True)
        account = store.account(READER)
    ui.clear_cache()
    out = {}
    with _one_script_cache():
        for page in [FLOOR] + (pages or [p.slug for p in registry.PAGES if p.action == "read"]):
            _visit(page, account)  # the first reader
            colds, warms = [], []
            for _ in range(sessions):
                cold, warm = _visit(page, account)
                colds.append(cold)
                warms.extend(warm)
            out[page] = {"cold_cpu": statistics.median(c for c, _ in colds),
                         "cold_wall": statistics.median(w for _, w in colds),
                         "warm_cpu": statistics.median(c for c, _ in warms),
                         "warm_wall": statistics.median(w for _, w in warms)}
    return out


@contextmanager
def _one_script_cache():
    """Every run shares one cache of compiled scripts, as in the server (Streamlit's test runner compiles the page's
    script afresh at every run: 5–10 ms that no person waits for)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared, before = ScriptCache(), (app_test.ScriptCache, local_script_runner.ScriptCache)
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = before
