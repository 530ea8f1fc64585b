"""Helpers for real-browser tests: a Streamlit server on a free port and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cmq.dev.bench import CHROMIUM, CHROMIUM_ARGS  # noqa: F401,E402 (the browser tests take them from here)

from conftest import ROOT

OUTPUT = ROOT / "test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(data_dir: Path | None, port: int | None = None, secrets: Path | None = None,
                     env: dict | None = None):
    """Start the app on a free loopback port (or `port`) on the store in `data_dir` (or the one `env` names), with a
    secrets file when given; stop it afterwards."""
    port = port or free_port()
    env = dict(os.environ, **({"CMQ_DATA_DIR": str(data_dir)} if data_dir else {}), **(env or {}))
    if secrets:
        env["STREAMLIT_SECRETS_FILES"] = str(secrets)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmq", "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the Streamlit server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
