"""Wiring: configuration → repository, interview engine and service, shared by every channel."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from bot.checks.validate import validate
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.report import Report
from bot.interview.engine import Engine
from bot.interview.service import Service
from bot.render import DRAFT, render_docx
from bot.storage.repository import Repository


def docx_bytes(report: Report, status: str = DRAFT, created: datetime | None = None) -> bytes:
    """The .docx of a report; `status` (草稿 or 定稿) is written into its properties, and a draft is marked
    on every page and lists its open errors on a last page."""
    errors = [f for f in validate(report) if f.level == "error"] if status == DRAFT else []
    buffer = io.BytesIO()
    render_docx(report, buffer, status=status, findings=errors, created=created)
    return buffer.getvalue()


def build_service(
    config: Config,
    invite_link: Callable[[str], str] = lambda token: f"/start {token}",
    clock: Clock | None = None,
) -> Service:
    """The service for a configuration; its clock is the configuration's unless one is given."""
    clock = clock or config.clock()
    repo = Repository(config.database_url or None, data_dir=config.data_dir, now=clock.now, auto_upgrade=config.auto_upgrade)
    engine = Engine(
        clock=clock,
        render_docx=lambda report, status: docx_bytes(report, status, created=clock.now()),
        invite_link=invite_link,
        admin_ids=config.admin_ids,
    )
    return Service(repo, engine)
