"""A throwaway PostgreSQL server for the tests, started once per test session.

Lives here: ``Cluster`` — ``initdb`` in a temporary directory, a server listening only on a
Unix socket in that directory (no TCP port, no password), durability off (a test database
is thrown away), stopped and deleted at the end of the session; ``database()`` gives each
test a database of its own, copied from a template that already has the schema. Run as
root (CI), the cluster belongs to the unprivileged ``postgres`` user Debian's package
creates. Found through ``MADOGUCHI_PG_BIN`` or Debian's ``/usr/lib/postgresql/*/bin``;
without it the PostgreSQL tests skip with ``HOW_TO_INSTALL`` (and fail under ``CI=true``).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

HOW_TO_INSTALL = (
    "PostgreSQL is not installed: the PostgreSQL backend's tests need its server binaries "
    "(Debian: `apt-get install postgresql`; or set MADOGUCHI_PG_BIN to the folder holding initdb and pg_ctl)"
)


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None."""
    candidates = [os.environ.get("MADOGUCHI_PG_BIN", "")] + sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class Cluster:
    """One running server; ``url`` reaches its ``postgres`` database."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._names = itertools.count(1)
        self.template: str | None = None

    def _run(self, *args: str) -> None:
        command = [str(self.binaries / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> Cluster:
        if os.geteuid() == 0:
            shutil.chown(self.root, user=self.user)
        self._run("initdb", "-D", str(self.data), "-U", self.user, "-E", "UTF8", "--locale=C", "-A", "trust")
        options = f"-k {self.root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.root / "log"), "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{database}?host={self.root}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    async def database(self, template: str | None = None) -> str:
        """The URL of a new database: a copy of ``template`` (a database nobody is connected to),
        by default an empty one with the schema brought up to date."""
        import asyncpg

        from bot.store.postgres import PostgresDatabase

        admin = await asyncpg.connect(self.url())
        try:
            if self.template is None:
                await admin.execute("CREATE DATABASE madoguchi_template")
                await (await PostgresDatabase(self.url("madoguchi_template")).open()).close()
                self.template = "madoguchi_template"
            name = f"test_{next(self._names)}"
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template or self.template}")
        finally:
            await admin.close()
        return self.url(name)

    async def drop(self, url: str) -> None:
        """Drop a test's database (whoever is still connected is put off), so that the cluster
        does not grow by a copy per test for the whole session."""
        import asyncpg

        admin = await asyncpg.connect(self.url())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name_of(url)}" WITH (FORCE)')
        finally:
            await admin.close()

    @staticmethod
    def name_of(url: str) -> str:
        return urlsplit(url).path.lstrip("/")
