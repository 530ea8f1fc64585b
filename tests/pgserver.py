"""A real PostgreSQL server for the tests: Debian's binaries, a temporary data folder, 127.0.0.1 on a free port.

As root the server runs as the `postgres` user (initdb refuses root). `make test` installs Debian's `postgresql`
when it is missing; where it cannot be found at all, the tests that need it are skipped with a message that says so
(never in CI: CI=true turns the skip into a failure)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from cmq.dev.load import free_port


def bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries on the machine (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Server:
    """initdb + pg_ctl start; stop() ends it and removes its folder."""

    def __init__(self, port: int | None = None):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL est introuvable (paquet Debian « postgresql »)")
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="cmq-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
            os.chmod(self.folder, 0o755)
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        for attempt in range(3):  # another process may take the free port between its choice and the start
            try:
                self.start()
                break
            except subprocess.CalledProcessError:
                if attempt == 2 or port:
                    raise
                self.port = free_port()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120, cwd=self.folder)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def tool(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """pg_dump, pg_restore… of the same release as the server."""
        return subprocess.run([str(self.bin / name), *args], capture_output=True, text=True, timeout=300)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


_counter = iter(range(1, 1_000_000))


def new_database(server: Server, template: str | None = None) -> str:
    """A new database (a copy of `template` if given); returns its URL."""
    name = f"cmq_{os.getpid()}_{next(_counter)}_{int(time.time() * 1000) % 100000}"
    server.sql(f"create database {name}" + (f" template {template}" if template else ""))
    return server.url(name)
