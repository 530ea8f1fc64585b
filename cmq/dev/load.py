"""`python -m cmq bench --load N …`: N people opening the app at once, measured on the server, not on browsers.

Each session speaks Streamlit's own protocol as a browser does — the websocket `/_stcore/stream`, protobuf BackMsg
out, ForwardMsg in — without a browser: it opens the login page, signs in as the committee member, waits for
« Vue régionale », changes the year, then opens « Financements ». For each step it notes when the first chart arrived
and when the page's run ended. The server is a real `cmq serve` on 127.0.0.1, on a copy of the demo store; its CPU and
memory are read from /proc. Reported per N: the time from the session's start to its first chart (median, p95, max),
failures, the server's CPU per session and its memory per session (while the sessions are open, and once closed).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cmq import ROOT

READER, READER_PASSWORD = "comite", "comite-demo-2018"  # the demo's committee member
STEP_TIMEOUT = 300  # seconds a step may take before the session counts as failed
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """What one run of a page sent back: its widgets by key, its pages, when its first chart came, how it ended."""

    widgets: dict[str, object] = field(default_factory=dict)  # key (or label for a keyless button) → element
    pages: dict[str, str] = field(default_factory=dict)  # url path → page script hash
    first_chart: float | None = None
    ended: float | None = None
    errors: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)  # headline label → figure shown


@dataclass
class Session:
    started: float = 0.0
    first_chart: float | None = None  # from the session's start to its first chart after signing in
    steps: dict[str, float] = field(default_factory=dict)  # step → seconds to its first chart (or its end)
    failure: str | None = None
    backend: str | None = None  # the app process the proxy keeps this session on (its sticky cookie)
    metrics: dict[str, str] = field(default_factory=dict)  # « Vue régionale »'s headline figures


def _rerun(page_hash: str = "", widgets: list | None = None, query: str = "") -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_script_hash = page_hash
    for w in widgets or []:
        state.widget_states.widgets.append(w)
    return msg.SerializeToString()


def _widget(element, **value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    w = WidgetState(id=element.id)
    for k, v in value.items():
        setattr(w, k, v)
    return w


async def _read_run(ws, run: Run, started: float) -> Run:
    """Read ForwardMsgs until a run of the script ends (a run that ends early for a rerun goes on to the next)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished = ForwardMsg.ScriptFinishedStatus
    while True:
        data = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            if what == "plotly_chart" and run.first_chart is None:
                run.first_chart = time.perf_counter() - started
            elif what == "exception":
                run.errors.append(element.exception.message or element.exception.type)
            elif what == "alert" and element.alert.format == 1:  # an st.error
                run.errors.append(element.alert.body)
            elif what == "metric":
                run.metrics[element.metric.label] = element.metric.body
            inner = getattr(element, what, None)
            if inner is not None and hasattr(inner, "id") and getattr(inner, "id", ""):
                key = inner.id.rsplit("-", 1)[-1] if "-" in inner.id else inner.id
                run.widgets[key] = inner
                if what == "button" and inner.is_form_submitter:
                    run.widgets["submit:" + inner.form_id] = inner
        elif kind == "navigation":
            run.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "script_finished":
            if msg.script_finished == finished.FINISHED_EARLY_FOR_RERUN:
                continue
            run.ended = time.perf_counter() - started
            return run


def _sticky(url: str) -> str | None:
    """The app process a reverse proxy gives a new browser tab (the page's first request sets its cookie), if any."""
    with urllib.request.urlopen(url + "/", timeout=STEP_TIMEOUT) as r:
        for header in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == PROXY_COOKIE:
                return rest.split(";", 1)[0]
    return None


async def one_session(url: str, start: asyncio.Event, password: str = READER_PASSWORD, token: str | None = None,
                      backend: str | None = None) -> Session:
    """One committee member: the page (and, behind a proxy, the app process it is kept on: `backend`, else the one
    the proxy chooses), login page and sign in (or, with `token`, a session brought back by its cookie, as a reload or
    a link opened the same day), « Vue régionale », another year, « Financements »."""
    from websockets.asyncio.client import connect

    from cmq.core import auth

    s = Session()
    await start.wait()
    s.started = time.perf_counter()
    try:
        s.backend = backend or await asyncio.to_thread(_sticky, url)
        cookies = ([f"{auth.SESSION_COOKIE}={token}"] if token else []) + (
            [f"{PROXY_COOKIE}={s.backend}"] if s.backend else [])
        async with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                           max_size=None, open_timeout=STEP_TIMEOUT, ping_interval=None,
                           additional_headers={"Cookie": "; ".join(cookies)} if cookies else None) as ws:
            await ws.send(_rerun())
            first = await _read_run(ws, Run(), s.started)
            if token:
                overview, step = first, "retour → premier graphique"
            else:
                if "login_name" not in first.widgets:
                    raise RuntimeError("la page de connexion n'est pas venue")
                t = time.perf_counter()
                await ws.send(_rerun(widgets=[_widget(first.widgets["login_name"], string_value=READER),
                                              _widget(first.widgets["login_password"], string_value=password),
                                              _widget(first.widgets["submit:login"], trigger_value=True)]))
                overview, step = await _read_run(ws, Run(), t), "connexion → premier graphique"
            if overview.first_chart is None or overview.errors or "flt_year" not in overview.widgets:
                raise RuntimeError("« Vue régionale » sans graphique " + "; ".join(overview.errors[:2]))
            s.first_chart = time.perf_counter() - s.started - (overview.ended - overview.first_chart)
            s.steps[step] = overview.first_chart
            s.metrics = overview.metrics
            box = overview.widgets["flt_year"]
            shown = box.options[box.default] if box.HasField("default") else ""
            other = next(o for o in box.options if o.isdigit() and o != shown)  # another year the store holds
            page = overview.pages.get("", next(iter(overview.pages.values()), ""))
            funding = next(h for p, h in overview.pages.items() if p.endswith("funding"))
            for step, page_hash, failed in (("autre année → premier graphique", page, "le changement d'année a échoué"),
                                            ("Financements → premier graphique", funding, "« Financements » sans graphique")):
                t = time.perf_counter()
                await ws.send(_rerun(page_hash, [_widget(box, string_value=other)]))
                run = await _read_run(ws, Run(), t)
                if run.errors or run.first_chart is None:
                    raise RuntimeError(failed + " " + "; ".join(run.errors[:2]))
                s.steps[step] = run.first_chart
    except Exception as exc:  # noqa: BLE001 - a failed session is a figure of the run, whatever failed
        s.failure = f"{type(exc).__name__}: {exc}"[:200]
    return s


def _cpu(pid: int) -> float:
    """Seconds of CPU the process spent so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _rss(pid: int) -> float:
    """Resident memory of the process, MB."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PROXY_COOKIE = "cmq_serveur"  # the reverse proxy's sticky-session cookie: which app process holds this tab's session


def proxy_config(port: int, backends: list[int], address: str = "127.0.0.1") -> str:
    """HAProxy's configuration for several `cmq serve` processes on one host (README, « Several processes »): each
    browser tab stays on the process that holds its session (a cookie set by the proxy, the websocket, uploads and
    downloads alike); new tabs take the processes in turn (a committee arriving at once is spread at once, where the
    fewest connections would send a burst of page requests to the first); a process that stops answering its health
    check gets no new session."""
    servers = "\n".join(f"    server app{i} 127.0.0.1:{p} check cookie app{i}" for i, p in enumerate(backends, 1))
    return f"""global
    maxconn 4096

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h

frontend cmq
    bind {address}:{port}
    default_backend cmq_serve

backend cmq_serve
    balance roundrobin
    cookie {PROXY_COOKIE} insert indirect nocache httponly attr "SameSite=Strict"
    option httpchk GET /_stcore/health
{servers}
"""


def answering(url: str, seconds: float = 120) -> bool:
    """The app at `url` answers its health check within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


class Server:
    """`cmq serve` on 127.0.0.1 over a store (a folder, or a postgresql:// URL), started and stopped with the
    measure; with `processes` > 1, that many behind HAProxy (proxy_config), as the README deploys them."""

    def __init__(self, root: Path | str, processes: int = 1):
        self.root = root
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CMQ_TRUSTED_PROXIES": "127.0.0.1" if processes > 1 else ""}
        for name in ("CMQ_DATABASE_URL", "CMQ_DATA_DIR", "CMQ_DEBUG"):
            env.pop(name, None)
        env["CMQ_DATABASE_URL" if str(root).startswith("postgresql") else "CMQ_DATA_DIR"] = str(root)
        ports = [free_port() for _ in range(processes)]
        self.processes = [subprocess.Popen([sys.executable, "-m", "cmq", "serve", "--port", str(p)], env=env, cwd=ROOT,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
        self.proxy = None
        self.url = f"http://127.0.0.1:{ports[0]}"
        if processes > 1:
            front = free_port()
            self._config = Path(tempfile.mkdtemp(prefix="cmq-proxy-")) / "haproxy.cfg"
            self._config.write_text(proxy_config(front, ports))
            haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
            self.proxy = subprocess.Popen([haproxy, "-db", "-f", str(self._config)], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            self.url = f"http://127.0.0.1:{front}"
        if not all(answering(f"http://127.0.0.1:{p}") for p in ports) or not answering(self.url):
            self.stop()
            raise RuntimeError("le serveur de mesure n'a pas démarré")
        deadline = time.time() + 30
        while self.proxy and len({_sticky(self.url) for _ in range(2 * processes)}) < processes:
            if time.time() > deadline:  # the proxy sends tabs to a process once its first health check passed
                self.stop()
                raise RuntimeError("le proxy n'envoie pas de sessions à chaque processus")
            time.sleep(0.5)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def token(self) -> str:
        """A session token of the committee member, as its browser keeps it after signing in."""
        from datetime import UTC, datetime

        from cmq.core import auth
        from cmq.core.store import store_at

        store = store_at(str(self.root))
        return auth.session_token(store, READER, datetime.now(UTC), auth.grant(store.account(READER)))

    def stop(self) -> None:
        for p in self.processes + ([self.proxy] if self.proxy else []):
            p.terminate()
        for p in self.processes + ([self.proxy] if self.proxy else []):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.proxy:
            shutil.rmtree(self._config.parent, ignore_errors=True)


async def _many(url: str, n: int, password: str = READER_PASSWORD, token: str | None = None) -> list[Session]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_session(url, start, password, token)) for _ in range(n)]
    await asyncio.sleep(0.05)
    start.set()  # every session at once
    return list(await asyncio.gather(*tasks))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(server: Server, n: int, password: str = READER_PASSWORD, returning: bool = False) -> dict:
    """N sessions at once against `server`, signing in (or `returning`: each brings back a session by its cookie):
    figures of the time to the first chart and of the server's cost."""
    cpu, rss = sum(map(_cpu, server.pids)), sum(map(_rss, server.pids))
    t = time.perf_counter()
    sessions = asyncio.run(_many(server.url, n, password, server.token() if returning else None))
    took = time.perf_counter() - t
    open_rss = sum(map(_rss, server.pids))  # the sessions just closed: what the server still holds for them right after
    spent = sum(map(_cpu, server.pids)) - cpu
    ok = [s for s in sessions if s.failure is None]
    firsts = [s.first_chart for s in ok]
    out = {
        "sessions": n, "returning": returning, "failures": n - len(ok), "took_s": took,
        "first_chart_median_s": statistics.median(firsts) if firsts else None,
        "first_chart_p95_s": _pct(firsts, 95) if firsts else None,
        "first_chart_max_s": max(firsts) if firsts else None,
        "server_cpu_per_session_s": spent / n, "server_rss_per_session_mb": max(open_rss - rss, 0.0) / n,
        "server_rss_mb": open_rss,
        "steps_median_s": {k: statistics.median(s.steps[k] for s in ok) for k in (ok[0].steps if ok else {})},
        "why": sorted({s.failure for s in sessions if s.failure})[:3],
    }
    return out


async def _browsing_while(url: str, readers: int, busy, token: str) -> list[Session]:
    """`readers` committee members coming back (session cookie) and browsing again and again while `busy()`."""
    start = asyncio.Event()

    async def reader() -> list[Session]:
        done = []
        while busy() or not done:
            done.append(await one_session(url, start, token=token))
        return done

    tasks = [asyncio.create_task(reader()) for _ in range(readers)]
    start.set()
    return [s for got in await asyncio.gather(*tasks) for s in got]


def deadline(server: Server, readers: int = 20, imports: int = 10, rows: int = 5000) -> dict:
    """A campaign's deadline: `imports` imports of `rows` indicator values each (separate processes, as many directors
    at once) while `readers` committee members browse; every import must commit and no reader's page wait long."""
    from cmq.core.store import store_at
    from cmq.dev import synth

    folder = Path(tempfile.mkdtemp(prefix="cmq-deadline-"))
    try:
        files = []
        for i in range(imports):
            files.append(folder / f"valeurs-{i}.csv")
            files[-1].write_bytes(synth.import_csv(store_at(str(server.root)), rows=rows, seed=100 + i))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("CMQ_DATABASE_URL", None)
        env.pop("CMQ_DATA_DIR", None)
        env["CMQ_DATABASE_URL" if str(server.root).startswith("postgresql") else "CMQ_DATA_DIR"] = str(server.root)
        rows = files[0].read_bytes().count(b"\n") - 1  # a small store holds fewer indicator × year rows than asked
        cpu, t = sum(map(_cpu, server.pids)), time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "cmq", "import", "indicator_values", str(f), "--user", "admin"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for f in files]
        sessions = asyncio.run(_browsing_while(server.url, readers, lambda: any(p.poll() is None for p in procs),
                                               server.token()))
        took = time.perf_counter() - t
        committed = sum(p.wait() == 0 for p in procs)
        steps = [v for s in sessions if s.failure is None for v in s.steps.values()]
        return {"readers": readers, "imports": imports, "rows": rows, "committed": committed, "took_s": took,
                "pages": len(steps), "failures": sum(s.failure is not None for s in sessions),
                "page_median_s": statistics.median(steps) if steps else None,
                "page_p95_s": _pct(steps, 95) if steps else None, "page_max_s": max(steps) if steps else None,
                "server_cpu_s": sum(map(_cpu, server.pids)) - cpu,
                "why": sorted({s.failure for s in sessions if s.failure})[:3]
                + [p.stderr.read().decode("utf-8", "replace")[-200:] for p in procs if p.returncode]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(counts: list[int], log=print, root: Path | None = None, imports: int = 0, readers: int = 20,
        processes: int = 1) -> list[dict]:
    """Each count in turn against one server on a fresh copy of the demo store (the first count also warms it)."""
    from cmq.core.demo import open_store

    tmp = Path(tempfile.mkdtemp(prefix="cmq-load-"))
    try:
        store_root = root or tmp / "store"
        if not (store_root / "manifest.json").exists():
            open_store(store_root, demo=True)
        server = Server(store_root, processes=processes)
        try:
            results = []
            asyncio.run(_many(server.url, 1))  # the server's first reader: its caches warm, as before a meeting
            for n, returning in [(n, r) for n in counts for r in (False, True)]:
                r = measure(server, n, returning=returning)
                results.append({**r, "processes": processes})
                log(f"{n:>4} sessions {'de retour ' if returning else 'connexion'} · {processes} processus · premier "
                    "graphique médiane "
                    f"{_s(r['first_chart_median_s'])} · p95 "
                    f"{_s(r['first_chart_p95_s'])} · max {_s(r['first_chart_max_s'])} · échecs {r['failures']} · CPU "
                    f"serveur {r['server_cpu_per_session_s']:.2f} s/session · mémoire {r['server_rss_per_session_mb']:.1f} "
                    f"Mo/session" + (f" · {r['why'][0]}" if r["why"] else ""))
            if imports:
                r = deadline(server, readers=readers, imports=imports)
                results.append(r)
                log(f"échéance : {r['imports']} imports de {r['rows']} lignes ({r['committed']} enregistrés) pendant que "
                    f"{r['readers']} lecteurs naviguent · {r['pages']} pages · médiane {_s(r['page_median_s'])} · p95 "
                    f"{_s(r['page_p95_s'])} · max {_s(r['page_max_s'])} · échecs {r['failures']} · {r['took_s']:.1f} s"
                    + (f" · {r['why'][0]}" if r["why"] else ""))
            return results
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _s(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f} s"
