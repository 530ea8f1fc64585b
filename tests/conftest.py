"""Shared fixtures: a demo store built once per test process, and writable copies of it."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from cmq.core import auth  # noqa: E402
from cmq.core.demo import open_store  # noqa: E402
from cmq.core.store import Store  # noqa: E402

ADMIN = "admin"  # the demo administrator (cmq/demo.py)


def admin_store(root) -> Store:
    """A new, empty store with one administrator account (no password) that tests commit as."""
    s = Store(root)
    s.put_account(auth.new_account(ADMIN, "admin"), replace=True)
    return s


def app_test(account: str | None = ADMIN) -> AppTest:
    """The app as `account` signed in (None: nobody signed in, the login page)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if account:
        now = datetime.now(UTC)
        at.session_state["account"] = {"name": account, "since": now, "seen": now, "sso": False}
    return at


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A store built from data/demo through the import path; never written by tests."""
    root = tmp_path_factory.mktemp("demo-store")
    open_store(root)
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


@pytest.fixture
def data_dir(store_copy, monkeypatch) -> Path:
    """CMQ_DATA_DIR pointing at a writable copy of the demo store."""
    monkeypatch.setenv("CMQ_DATA_DIR", str(store_copy.root))
    return store_copy.root


def cli(*args, data_dir, stdin: str = ""):
    """python -m cmq ARGS on the store `data_dir`, `stdin` as standard input."""
    env = dict(os.environ, CMQ_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "cmq", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)


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
