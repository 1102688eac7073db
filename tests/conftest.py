"""Where the test material lives: the project's own fixtures, and `../shared` beside the clone.

The three township reports are copied into tests/fixtures/reports, so a clone alone runs its core suite;
whatever else comes from ../shared (the official template, the 平潭 reports, the PDFs, the spec) is reached
through `shared()`, which skips the test, saying why, when ../shared is absent.
"""

from __future__ import annotations

import socket
from pathlib import Path

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
    from bot.formatdef import load_format

    return load_format()
