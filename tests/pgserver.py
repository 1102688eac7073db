"""A real, throwaway PostgreSQL server for the tests, on 127.0.0.1.

CI starts one and sets NIANBAO_TEST_POSTGRES_URL (see .ci/run). Without it, a developer who has Debian's
postgresql package gets one started here (in a temporary folder, as the `postgres` account when the tests
run as root, stopped at the end of the session). Otherwise the PostgreSQL variants skip, saying why.
Each test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import free_port

ENV = "NIANBAO_TEST_POSTGRES_URL"
# NIANBAO_TEST_POSTGRES=1: the PostgreSQL variants must run (a missing server fails them; CI sets it);
# 0: they skip; unset: they run when a server can be had and skip, saying why, when not.
REQUIRED_ENV = "NIANBAO_TEST_POSTGRES"
# The database the test in progress writes to: "" for SQLite in the test's data folder (the default), or a
# PostgreSQL URL (set by the `store_url` fixture of tests/conftest.py, read by the builders of services).
CURRENT = {"url": ""}


def current_url() -> str:
    return CURRENT["url"]


def mode() -> str:
    """'required', 'off' or 'optional' (see REQUIRED_ENV)."""
    value = os.environ.get(REQUIRED_ENV, "").strip().lower()
    if value in ("1", "true", "yes"):
        return "required"
    return "off" if value in ("0", "false", "no") else "optional"


@contextmanager
def server() -> Iterator[str | None]:
    """The URL of a server to create test databases on (None, with no server to be had)."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        yield None
        return
    bindir = os.path.dirname(bins[-1])
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            yield None
            return
        as_postgres = ["runuser", "-u", "postgres", "--"]
    folder = tempfile.mkdtemp(prefix="nianbao-pg-")
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = os.path.join(folder, "data"), free_port()
    subprocess.run([*as_postgres, f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*as_postgres, f"{bindir}/pg_ctl", "-D", data, "-o", options, "-w", "-l", os.path.join(folder, "log"), "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """A benchmark's DATABASE_URL: "" for SQLite in its data folder, or a fresh database on a throwaway
    server ("postgresql"); without a server the benchmark stops, saying what it needs."""
    if kind == "sqlite":
        yield ""
        return
    with server() as found:
        if found is None:
            raise SystemExit("needs PostgreSQL: Debian's postgresql package, or NIANBAO_TEST_POSTGRES_URL")
        with database(found) as url:
            yield url
