"""Wiring: configuration → repository, interview engine and service, shared by every channel."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.clock import Clock
from bot.config import Config
from bot.interview.engine import Engine
from bot.report import Report
from bot.service import Service
from storage.repository import Repository


def docx_bytes(report: Report, status: str = "草稿") -> bytes:
    """The .docx of a report; `status` (草稿 or 定稿) is written into its properties."""
    from bot.render import render_docx

    buffer = io.BytesIO()
    render_docx(report, buffer, status=status)
    return buffer.getvalue()


def build_service(
    config: Config,
    invite_link: Callable[[str], str] = lambda token: f"/start {token}",
    clock: Clock | None = None,
) -> Service:
    """The service for a configuration; its clock is the configuration's unless one is given."""
    clock = clock or config.clock()
    repo = Repository(config.database_url or None, data_dir=config.data_dir, now=clock.now)
    engine = Engine(
        clock=clock,
        render_docx=docx_bytes,
        invite_link=invite_link,
        admin_ids=config.admin_ids,
    )
    return Service(repo, engine)
