"""The command table is the one list of commands: /help, the menu, dispatch and the rights come from it."""

from __future__ import annotations

import re

import pytest
from driver import Clerk, make_service, onboard

from bot.interview.commands import BY_NAME, COMMANDS, MENU, help_text
from bot.workplace.access import PERMISSIONS

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def test_help_and_menu_name_only_commands_of_the_table():
    assert len(BY_NAME) == len(COMMANDS)
    assert {name for name, _ in MENU} <= set(BY_NAME)
    for role in ("filler", "coordinator"):
        named = set(re.findall(r"/([a-z]+)", help_text(role)))
        assert named and named <= set(BY_NAME), named - set(BY_NAME)
    assert all(c.permission in PERMISSIONS for c in COMMANDS if c.permission)


def test_coordinator_help_keeps_its_order():
    lines = help_text("coordinator").splitlines()
    assert lines[0] == "协调人命令："
    assert [line.split()[0] for line in lines[1:]] == ["/addunit", "/dashboard", "/open", "/nudge", "/collect", "/deadline", "/invite"]


@pytest.mark.parametrize("name", [c.name for c in COMMANDS if c.permission == "edit"])
def test_a_reviewer_is_refused_every_edit_command(tmp_path, name):
    service = make_service(tmp_path)
    owner, reviewer = Clerk(service, "owner"), Clerk(service, "reviewer")
    onboard(owner)
    owner.say("/invite 审核人")
    token = re.findall(r"/start ([A-Za-z0-9_-]{20,64})", owner.texts())[0]
    reviewer.say(f"/start {token}")
    reviewer.say(f"/{name}")
    assert "您无权修改该报告" in reviewer.texts()
