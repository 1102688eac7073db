"""Where the test material lives: the project's own fixtures, and `../shared` beside the clone.

The three township reports are copied into tests/fixtures/reports, so a clone alone runs its core suite;
whatever else comes from ../shared (the official template, the 平潭 reports, the PDFs, the spec) is reached
through `shared()`, which skips the test, saying why, when ../shared is absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = FIXTURES / "reports"  # 次营镇 2023, 漕河镇 2023, 郭嘉镇 2022
SHARED = ROOT.parent / "shared"
REPORTS = SHARED / "data" / "reports"  # only with ../shared: check it, or reach it through shared()
# Every sample report the tests know: the three townships (always here) and the 平潭 pair (../shared only).
SAMPLE_NAMES = [
    "township-2022-gansu-guojia.txt",
    "township-2023-shandong-caohe.txt",
    "township-2023-shanxi-ciying.txt",
    "zone-2021-fujian-pingtan.txt",
    "zone-2022-fujian-pingtan.txt",
]


# NIANBAO_DATE_TESTS=<file>: every test during which the product read the machine's clock (SystemClock: the
# one place it does, bot/core/clock.py), or was started as a process without NIANBAO_CLOCK, is listed in that file. .ci/run runs those again under other dates;
# a test on an injected clock gives the same result on any day.
DATE_TESTS = os.environ.get("NIANBAO_DATE_TESTS", "")


@pytest.fixture(autouse=True)
def _machine_clock_reads(request: pytest.FixtureRequest) -> Iterator[None]:
    if not DATE_TESTS:
        yield
        return
    from bot.core.clock import SystemClock

    reads = []
    now, today = SystemClock.now, SystemClock.today

    def counted_now(self: SystemClock) -> Any:
        reads.append(1)
        return now(self)

    def counted_today(self: SystemClock) -> Any:
        reads.append(1)
        return today(self)

    spawn = subprocess.Popen.__init__

    def counted_spawn(self: subprocess.Popen[Any], args: Any, *more: Any, **options: Any) -> None:
        """The product started as a process (`python -m bot …`) reads the machine's clock unless NIANBAO_CLOCK is set."""
        argv = [str(a) for a in args] if isinstance(args, list | tuple) else [str(args)]
        if "bot" in argv and "-m" in argv and "NIANBAO_CLOCK" not in (options.get("env") or os.environ):
            reads.append(1)
        spawn(self, args, *more, **options)

    SystemClock.now, SystemClock.today = counted_now, counted_today  # type: ignore[method-assign]
    subprocess.Popen.__init__ = counted_spawn  # type: ignore[method-assign]
    try:
        yield
    finally:
        SystemClock.now, SystemClock.today = now, today  # type: ignore[method-assign]
        subprocess.Popen.__init__ = spawn  # type: ignore[method-assign]
        if reads:
            with open(DATE_TESTS, "a", encoding="utf-8") as out:
                out.write(request.node.nodeid + "\n")


@pytest.fixture(autouse=True)
def _unit_tier_is_in_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test of the unit tier that starts a process, opens a connection or sleeps fails here, so the
    tier stays what it says (move such a test to flows or system)."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refused(what: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError(f"a unit test {what}: it belongs to the flows or system tier")
        return refuse

    monkeypatch.setattr(subprocess.Popen, "__init__", refused("started a process"))
    monkeypatch.setattr(socket.socket, "connect", refused("opened a connection"))
    monkeypatch.setattr(time, "sleep", refused("slept"))


def free_port() -> int:
    """A loopback port nothing listens on (for a server a test starts, or a connection to be refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shared(relative: str) -> Path:
    """A file of ../shared, or skip the test that needs it (a clone alone has no ../shared)."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs ../shared/{relative}, which is not beside this clone (CI always has it)")
    return path


def report_file(name: str) -> Path:
    """A sample report by file name: the project's own copy, else ../shared's (skipping when absent)."""
    own = SAMPLES / name
    return own if own.exists() else shared(f"data/reports/{name}")


@pytest.fixture(scope="session")
def fmt():
    from bot.format.definition import load_format

    return load_format()


# ---- the suite on both databases ------------------------------------------------------------------
# A module marked `pytestmark = pytest.mark.both_databases` runs each of its tests that makes a data
# folder (takes tmp_path) twice: on SQLite and on PostgreSQL (tests/pgserver.py). The builders of
# services (tests/driver.py, tests/tgharness.py) write to whichever `store_url` chose.
DATABASES = ["sqlite", "postgresql"]


# Three tiers, by module (`-m unit`, `-m flows`, `-m system`):
# - unit: in-process functions of the format, the checks, the importers' text readers and the renderer;
#   no subprocess, no network, no sleep, no database (`make unit`, well under a minute);
# - flows: through `Service`, the storage and the web server on 127.0.0.1, in-process (`make check` runs
#   unit and flows, on SQLite);
# - system: real processes the way an operator starts them (the product, `nianbao` commands, a SIGKILL, a
#   wheel build, bounded reader children), Chromium, LibreOffice, PTB and DingTalk's SDK against fake
#   servers, PostgreSQL-only behaviour, and the long fuzz runs. `make test` and CI's first run take
#   everything; CI's runs under other clocks take the tests that read the machine's clock (DATE_TESTS).
SYSTEM_MODULES = {
    "test_web_browser", "test_web_notices_browser", "test_web_season_browser", "test_grid_browser",  # Chromium
    "test_wheel", "test_processes", "test_private", "test_runtime_web", "test_fanout_processes", "test_dingtalk",
    "test_backup", "test_render_pdf", "test_render_pages", "test_render_warm", "test_preview_chat",
    "test_office_no_network", "test_bounded_readers", "test_upload_isolation", "test_pagejobs_office", "test_scan_ocr",
    "test_cli", "test_terminal", "test_linear", "test_config", "test_schema", "test_hostile_inputs", "test_limits_real",  # `python -m bot …`
    "test_import_bounds", "test_import_hostile", "test_import_forms", "test_import_pdf", "test_corpus_forms",  # reader children, LibreOffice
    "test_telegram_e2e", "test_telegram_county_e2e", "test_webhook", "test_delivery_outage", "test_dingtalk_outbox",  # SDKs over HTTP
    "test_postgres", "test_audit_race", "test_concurrency",  # PostgreSQL's locks, threads racing
    "test_fuzz", "test_fuzz_forms", "test_linear_input",  # long generated runs
}
UNIT_MODULES = {
    "test_architecture", "test_dependencies", "test_access", "test_numbers", "test_formatdef", "test_interviewdef",
    "test_validate", "test_report_json", "test_render_html", "test_pagejobs", "test_properties", "test_fee_item",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_databases: run the module's database tests on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "unit: in-process functions: no subprocess, network, sleep or database")
    config.addinivalue_line("markers", "flows: through Service, the storage and the web server, in-process")
    config.addinivalue_line("markers", "system: real processes, SIGKILL, Chromium, LibreOffice, SDKs, the wheel, long fuzz runs (left out by make check)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = item.module.__name__.rpartition(".")[2] if item.module is not None else ""
        tier = "system" if name in SYSTEM_MODULES else "unit" if name in UNIT_MODULES else "flows"
        item.add_marker(getattr(pytest.mark, tier))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_databases") and "tmp_path" in metafunc.fixturenames:
        metafunc.parametrize("store_url", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server for the session (skips or fails the test without one, see pgserver.mode)."""
    import pgserver

    if pgserver.mode() == "off":
        pytest.skip(f"PostgreSQL variants turned off ({pgserver.REQUIRED_ENV}=0)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if pgserver.mode() == "required":
            pytest.fail("needs psycopg: install the project with its test extra")
        pytest.skip("needs psycopg (the postgresql extra)")
    with pgserver.server() as url:
        if url is None:
            if pgserver.mode() == "required":
                pytest.fail(f"{pgserver.REQUIRED_ENV}=1 but no PostgreSQL server could be started (install Debian's postgresql)")
            pytest.skip(f"needs PostgreSQL: Debian's postgresql package or {pgserver.ENV}")
        yield url


@pytest.fixture(autouse=True)
def store_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The database of this test: "" (SQLite in its data folder) or a fresh PostgreSQL database."""
    import pgserver

    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    with pgserver.database(request.getfixturevalue("pg_server")) as url:
        pgserver.CURRENT["url"] = url
        try:
            yield url
        finally:
            pgserver.CURRENT["url"] = ""


# ---- the web page: a real server on 127.0.0.1, the county built through it, a headless Chromium ----------


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The web page serving a fresh service (tests/webharness.py); in a browser test (one that asks for
    `driver`) only where Chromium is installed, skipping otherwise before anything starts."""
    from driver import make_service
    from webharness import Server

    if "driver" in request.fixturenames:
        from browser import require_chromium

        require_chromium()
    srv = Server(make_service(tmp_path))
    yield srv
    srv.stop()


@pytest.fixture
def world(server: Any) -> Any:
    """A county built through the web page itself (webharness.build_world)."""
    from webharness import build_world

    return build_world(server)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    """Debian's headless Chromium with a profile and a download folder of the test's own (tests/browser.py)."""
    from browser import make_driver, require_chromium

    require_chromium()
    drv = make_driver(tmp_path / "profile", tmp_path / "downloads")
    yield drv
    drv.quit()
