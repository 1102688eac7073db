"""A grid's save is one use case (`bot.workplace.cells.set_cells`) beside the chat, never through it: over
real HTTP on 127.0.0.1 with a real SQLite file (tests/webharness.py)."""

from __future__ import annotations

from typing import Any

import pytest
from driver import narratives
from sqlmodel import select
from webharness import Server, World, refusals

from bot.storage.models import Answer, ChangeSet, Conversation, ReportRecord, User

# The scenario: 新收 3, 予以公开 2, 危及“三安全一稳定” 0, 三类内部事务 1 (自然人 each, the others 0).
FOUR_ROWS = {"NEW": 3, "OPEN": 2, "DEN3": 0, "DEN5": 1}
OTHERS = ("BIZ", "RES", "NGO", "LAW", "OTHORG")


def four_rows() -> dict[str, str]:
    cells = {f"table3.{row}.NP": str(n) for row, n in FOUR_ROWS.items()}
    return cells | {f"table3.{row}.{c}": "0" for row in FOUR_ROWS for c in OTHERS}


def report_id(server: Server, unit_id: int) -> int:
    with server.state.repo.transaction() as store:
        return store.session.exec(select(ReportRecord.id).where(ReportRecord.unit_id == unit_id)).one()  # type: ignore[return-value]


def answers(server: Server, rid: int) -> dict[str, Any]:
    with server.state.repo.transaction() as store:
        return store.answers(rid)


def conversation(server: Server, login: str) -> tuple[str, str, str, int | None]:
    with server.state.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.channel == "web", User.display_name == login)).one()
        conv = store.session.get(Conversation, user.id)
        assert conv is not None
        return conv.step, conv.state, conv.prompt_token, conv.report_id


def finished(world: World) -> int:
    """次营镇's clerk answers everything (all-zero tables) and stands at the finish question."""
    clerk = world.clerk
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    narratives(clerk)
    assert conversation(world.server, "次营填报")[0] == "finish"
    return report_id(world.server, world.unit_id)


def test_table3_save_on_a_finished_report_stores_exactly_those_cells_and_leaves_the_chat(world: World) -> None:
    server, clerk = world.server, world.clerk
    rid = finished(world)
    before, conv_before = answers(server, rid), conversation(server, "次营填报")
    messages_before = len(clerk.messages())
    saved = clerk.api("/api/grid/table3", {"report": rid, "cells": four_rows()})
    assert saved.status == 200, saved.text
    after = answers(server, rid)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    # Exactly the rows' cells and the totals they make (the rows' 总计, （七）总计's 自然人 and 总计); 三安全一稳定 was 0.
    assert changed == {"table3.NEW.NP": 3, "table3.NEW.SUM": 3, "table3.OPEN.NP": 2, "table3.OPEN.SUM": 2,
                       "table3.DEN5.NP": 1, "table3.DEN5.SUM": 1, "table3.TOTAL.NP": 3, "table3.TOTAL.SUM": 3}
    assert {k: v for k, v in after.items() if not k.startswith("table3.")} == {k: v for k, v in before.items() if not k.startswith("table3.")}
    assert conversation(server, "次营填报") == conv_before  # the question, its state, its buttons
    assert len(clerk.messages()) == messages_before  # nothing sent into the chat
    body = saved.json()
    assert body["values"]["table3.NEW.NP"] == "3" and body["values"]["table3.TOTAL.SUM"] == "3"
    assert any("已修改“本年新收”" in line for line in body["saved"])
    # One validation, with cell paths: 3 new = 3 done, so 结转下年度 balances; nothing to flag in 表三.
    assert not [f for f in body["findings"] if f["level"] == "error" and any(c.startswith("table3.") for c in f["cells"])]
    # The grid read afterwards shows what the save answered.
    assert clerk.get("/api/grid").json()["values"] == body["values"]


def test_undo_in_the_chat_takes_a_grid_save_back(world: World) -> None:
    server, clerk = world.server, world.clerk
    rid = finished(world)
    before = answers(server, rid)
    assert clerk.api("/api/grid/table3", {"report": rid, "cells": four_rows()}).status == 200
    with server.state.repo.transaction() as store:
        assert len(store.session.exec(select(ChangeSet).where(ChangeSet.report_id == rid, ChangeSet.undone == False)).all()) >= 1  # noqa: E712
    said = clerk.say("/undo")
    assert any("已撤销您上一次的修改（8项）" in m["text"] for m in said), [m["text"] for m in said]
    assert answers(server, rid) == before


def test_a_submitted_report_goes_back_to_draft_and_says_so(world: World) -> None:
    server, clerk = world.server, world.clerk
    rid = finished(world)
    clerk.say("/submit")
    with server.state.repo.transaction() as store:
        assert store.report_record(rid).status == "review"  # type: ignore[union-attr]
    saved = clerk.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "1", "table3.OPEN.NP": "1"}}).json()
    assert saved["status"] == "draft" and any("撤回了提交" in n for n in saved["notices"])


def test_a_final_report_goes_back_to_draft_and_says_so(world: World) -> None:
    server, clerk = world.server, world.clerk
    rid = finished(world)
    clerk.say("/submit")
    world.reviewer.say("/review")
    world.reviewer.tap("审核通过")
    with server.state.repo.transaction() as store:
        assert store.report_record(rid).status == "final"  # type: ignore[union-attr]
    saved = clerk.api("/api/grid/table3", {"report": rid, "cells": four_rows()}).json()
    assert saved["status"] == "draft" and any("原已定稿" in n for n in saved["notices"])
    assert conversation(server, "次营填报")[0] == "finish"


def test_table4_row_with_a_wrong_stated_total_is_refused_and_named(world: World) -> None:
    server, clerk = world.server, world.clerk
    clerk.tap("全部为0")
    rid = report_id(server, world.unit_id)
    before = answers(server, rid)
    row = {"table4.RV.M": "1", "table4.RV.C": "0", "table4.RV.O": "0", "table4.RV.P": "0", "table4.RV.T": "2"}
    refused = clerk.api("/api/grid/table4", {"report": rid, "cells": row | {"table4.LD.M": "4"}})
    assert refused.status == 400
    error = refused.json()["error"]
    assert "行政复议" in error and "您写的是2" in error and "1+0+0+0 = 1" in error
    assert answers(server, rid) == before  # nothing stored, not even the other row
    right = clerk.api("/api/grid/table4", {"report": rid, "cells": row | {"table4.RV.T": "1"}})
    assert right.status == 200 and right.json()["values"]["table4.RV.T"] == "1"


def test_a_table3_row_with_a_wrong_stated_total_is_refused_whole(world: World) -> None:
    server, clerk = world.server, world.clerk
    clerk.tap("全部为0")
    rid = report_id(server, world.unit_id)
    before = answers(server, rid)
    row = {"table3.NEW.NP": "2"} | {f"table3.NEW.{c}": "0" for c in OTHERS}
    refused = clerk.api("/api/grid/table3", {"report": rid, "cells": row | {"table3.NEW.SUM": "5", "table3.OPEN.NP": "2"}})
    assert refused.status == 400 and "本年新收" in refused.json()["error"] and "您写的是5" in refused.json()["error"]
    assert answers(server, rid) == before
    # A stated total of a row that still has blanks cannot be checked: refused too, said so.
    blanks = clerk.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "2", "table3.NEW.SUM": "2"}})
    assert blanks.status == 400 and "还有空的格子" in blanks.json()["error"]
    assert answers(server, rid) == before
    # Cells of a row with blanks are saved as they are (the checker then names the blanks).
    loose = clerk.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "2"}})
    assert loose.status == 200 and answers(server, rid)["table3.NEW.NP"] == 2
    assert any("table3.NEW.BIZ" in f["cells"] for f in loose.json()["findings"] if f["rule"] == "E-BLANK")


def test_a_reader_cannot_save_and_the_refusal_is_logged(world: World) -> None:
    server = world.server
    world.clerk.tap("全部为0")
    rid = report_id(server, world.unit_id)
    before = answers(server, rid)
    for client, login in ((world.reviewer, "次营审核"), (world.coordinator, "阳城协调人")):
        logged = len(refusals(server, login))
        response = client.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "9"}})
        assert response.status == 403 and "只能查看" in response.json()["error"]
        assert len(refusals(server, login)) == logged + 1
    # Someone else's unit: as if there were no such report, logged too.
    logged = len(refusals(server, "北留填报"))
    assert world.other_clerk.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "9"}}).status == 404
    assert len(refusals(server, "北留填报")) == logged + 1
    assert answers(server, rid) == before


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ({"table3.NOPE.NP": "1"}, "不是表三的格子"),
        ({"table2.LIC": "1"}, "不是表三的格子"),  # a cell of another table
        ({"table3.NEW.NP": "9" * 5000}, "太大了"),
        ({"table3.NEW.NP": 10**9}, "太大了"),
        ({"table3.NEW.NP": "500000001"}, "太大了"),  # bot/core/limits.py MAX_COUNT
        ({"table3.NEW.NP": "-1"}, "负数"),
        ({"table3.NEW.NP": -1}, "负数"),
        ({"table3.NEW.NP": "1.5"}, "不是整数"),
        ({"table3.NEW.NP": 1.5}, "应为数字"),
        ({"table3.NEW.NP": "abc"}, "不是数字"),
        ({"table3.NEW.NP": ""}, "是空的"),
        ({"table3.NEW.NP": None}, "应为数字"),
        ({"table3.NEW.NP": True}, "应为数字"),
        ({"table3.NEW.NP": [1]}, "应为数字"),
        ({"table3.NEW.NP": "９９９９９９９９９"}, "太大了"),  # full-width digits above MAX_COUNT
    ],
)
def test_crafted_cells_get_a_chinese_message_and_change_nothing(world: World, cells: dict[str, Any], said: str) -> None:
    server, clerk = world.server, world.clerk
    clerk.tap("全部为0")
    rid = report_id(server, world.unit_id)
    before = answers(server, rid)
    response = clerk.api("/api/grid/table3", {"report": rid, "cells": cells | {"table3.OPEN.NP": "1"}})
    assert response.status == 400 and said in response.json()["error"], response.text
    assert answers(server, rid) == before


def test_what_the_chat_accepts_the_grid_accepts(world: World) -> None:
    """Digits of any width and Chinese numerals, as typed in the chat; an amount in 万元 with decimals."""
    server, clerk = world.server, world.clerk
    clerk.tap("全部为0")
    rid = report_id(server, world.unit_id)
    saved = clerk.api("/api/grid/table3", {"report": rid, "cells": {"table3.NEW.NP": "三", "table3.OPEN.NP": "３", "table3.NEW.BIZ": 0}})
    assert saved.status == 200, saved.text
    assert answers(server, rid)["table3.NEW.NP"] == 3 and answers(server, rid)["table3.OPEN.NP"] == 3
    fee = clerk.api("/api/grid/table2", {"report": rid, "cells": {"table2.FEE": "1.25", "table2.LIC": "十二"}})
    assert fee.status == 200 and fee.json()["values"]["table2.FEE"] == "1.25" and fee.json()["values"]["table2.LIC"] == "12"
    huge = clerk.api("/api/grid/table2", {"report": rid, "cells": {"table2.FEE": "1e100000"}})
    assert huge.status == 400 and "不是金额" in huge.json()["error"]
    assert clerk.api("/api/grid/table2", {"report": rid, "cells": "x"}).status == 400
    assert clerk.api("/api/grid/table9", {"report": rid, "cells": {}}).status == 404
    with server.state.repo.transaction() as store:
        assert store.session.exec(select(Answer).where(Answer.report_id == rid, Answer.key == "table2.FEE")).one().value == '"1.25"'


def test_one_save_is_one_read_of_the_answers_and_one_validation(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The grid shown after a save comes from the save itself: no engine run, no second read, one check."""
    import bot.channels.web.grids as grids
    import bot.workplace.cells as cells
    from bot.interview.engine import Engine
    from bot.storage.reports import ReportsStore

    clerk = world.clerk
    rid = finished(world)
    calls = {"validate": 0, "answers": 0, "engine": 0}

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(cells, "validate", counted("validate", cells.validate))
    monkeypatch.setattr(grids, "validate", counted("validate", grids.validate))
    monkeypatch.setattr(ReportsStore, "answers", counted("answers", ReportsStore.answers))
    monkeypatch.setattr(Engine, "handle", counted("engine", Engine.handle))
    assert clerk.api("/api/grid/table3", {"report": rid, "cells": four_rows()}).status == 200
    assert calls == {"validate": 1, "answers": 1, "engine": 0}
