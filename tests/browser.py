"""Helpers for real-browser tests: a Streamlit server on a free port and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from cmq.core import auth  # noqa: E402
from cmq.dev.bench import CHROMIUM, CHROMIUM_ARGS  # noqa: F401,E402 (the browser tests take them from here)
from cmq.dev.load import answering, free_port  # noqa: E402,F401 (the browser tests take free_port from here)

from conftest import ROOT

OUTPUT = ROOT / "test-output"


@contextlib.contextmanager
def streamlit_server(data_dir: Path | None, port: int | None = None, secrets: Path | None = None,
                     env: dict | None = None):
    """Start the app on a free loopback port (or `port`) on the store in `data_dir` (or the one `env` names), with a
    secrets file when given; stop it afterwards."""
    port = port or free_port()
    env = dict(os.environ, **({"CMQ_DATA_DIR": str(data_dir)} if data_dir else {}), **(env or {}))
    if secrets:
        env["STREAMLIT_SECRETS_FILES"] = str(secrets)
    OUTPUT.mkdir(exist_ok=True)
    log = open(OUTPUT / f"server-{port}.log", "wb")  # what the server said, read when a test fails (never a full pipe)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmq", "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not answering(url, 60):
            raise RuntimeError("the Streamlit server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def screenshot(page, name: str) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_as(page, url: str, name: str = "admin", password: str = "admin-demo-2018") -> None:
    """Open `url` in a fresh session (no session cookie: the login page comes first), sign in, and wait for the page
    behind it."""
    page.context.clear_cookies()
    page.goto(url)
    # a new session's first page can take long on a loaded machine (two test workers, each with its Chromium)
    page.get_by_label("Nom du compte", exact=True).wait_for(timeout=90_000)
    page.get_by_label("Nom du compte", exact=True).fill(name)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_text("Connecté :").wait_for(timeout=60_000)
    # the session's cookie is set by the page's run, after « Connecté » shows: a link opened before it would sign in again
    page.wait_for_function("name => document.cookie.split('; ').some(c => c.startsWith(name + '='))",
                           arg=auth.SESSION_COOKIE, timeout=60_000)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `make test` installs it from npm (package.json)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_problems(page) -> list[str]:
    """What axe-core (a checker no one here wrote) finds on the page as it stands: every serious or critical violation
    of WCAG 2.1 A/AA and its best practices, and any skipped heading level, one line each."""
    import pytest

    if not AXE.exists():
        if os.environ.get("CI"):
            raise AssertionError(f"axe-core is missing ({AXE.relative_to(ROOT)}): `make test` installs it with npm.")
        pytest.skip("axe-core is not installed: `make test` installs it (npm install)")
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations
        .filter(v => ['serious', 'critical'].includes(v.impact) || v.id === 'heading-order')
        .map(v => `${v.impact} ${v.id} (${v.help}): ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')
            + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')).join(' | '))""", AXE_TAGS)
    return found


@contextlib.contextmanager
def mail_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd): yields its smtp:// address and the list of messages it takes, each
    as (recipients, parsed message)."""
    import email
    from email import policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    port = free_port()
    server = Controller(Keep(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        server.stop()
