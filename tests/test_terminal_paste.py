"""A multi-line paste in the terminal is one message (issue 25, item 4): a pasted 表三 is read as one table,
and the lines after it answer the questions after it. Through a pipe, as `nianbao chat` reads it."""

from __future__ import annotations

import io
from pathlib import Path

from driver import FACTS, make_service
from sqlmodel import select
from test_terminal import chat

from bot.channels.terminal import Terminal, table_runs
from bot.format.definition import load_format
from bot.storage.models import ReportRecord

T3 = load_format().table3
NUMBERS = {"NEW": "2 0 0 0 0 0", "OPEN": "2 0 0 0 0 0"}


def pasted_table() -> list[str]:
    """表三 as a clerk copies it: every row a name and six numbers, the （七）总计 row last with its total."""
    rows = [f"{r.name} {NUMBERS.get(r.key or '', '0 0 0 0 0 0')}" for r in T3.entry_rows]
    total = T3.total_row()
    assert total is not None
    return [*rows, f"{total.name} 2 0 0 0 0 0 2"]


def answers_in(data_dir: Path) -> dict[str, object]:
    service = make_service(data_dir)
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        return store.answers(record.id)  # type: ignore[arg-type]


def test_a_pasted_table3_through_a_pipe_is_one_message_and_the_next_lines_go_on(tmp_path: Path) -> None:
    lines = ["次营镇人民政府", "山西省 晋城市 阳城县", "全部为0", *pasted_table(), "没有，全部为0", FACTS["active"]]
    out = chat(tmp_path, lines)
    assert "已读取整张表三" in out and "表三检查通过" in out
    answers = answers_in(tmp_path)
    assert answers["table3.NEW.NP"] == 2 and answers["table3.OPEN.SUM"] == 2 and answers["table3.TOTAL.SUM"] == 2
    assert answers["table4.RV.T"] == 0  # the line after the paste answered 表四's question …
    assert answers["fact.active"] == FACTS["active"]  # … and the one after it 一's first


def test_a_pasted_table_with_a_wrong_total_row_is_said_in_one_reply(tmp_path: Path) -> None:
    table = pasted_table()
    table[-1] = table[-1].replace("2 0 0 0 0 0 2", "5 0 0 0 0 0 5")
    out = chat(tmp_path, ["次营镇人民政府", "山西省 晋城市 阳城县", "全部为0", *table])
    assert out.count("总计行由各行自动算出") == 1 and "已读取" not in out.split("总计行由各行自动算出")[1]


def test_lines_that_are_no_table_rows_stay_one_message_each() -> None:
    rows = pasted_table()[:3]
    assert table_runs(["次营镇人民政府", "山西省 晋城市 阳城县", *rows, "全部为0"]) == [
        ["次营镇人民政府"], ["山西省 晋城市 阳城县"], rows, ["全部为0"]]
    assert table_runs(["予以公开 1 0 0 0 0 0"]) == [["予以公开 1 0 0 0 0 0"]]
    assert table_runs(["a\tb\t1", "c\td\t2"]) == [["a\tb\t1", "c\td\t2"]]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_tty_what_arrives_together_or_bracketed_is_one_message(tmp_path: Path) -> None:
    """A terminal with bracketed paste marks a paste (here: two lines of text for a fact); lines that
    arrive together are a paste too (a StringIO arrives all at once: one batch)."""
    paste = "\x1b[200~第一行\n第二行\x1b[201~"
    terminal = Terminal(make_service(tmp_path), tmp_path, user="clerk", stdin=Tty(paste + "\n"), stdout=io.StringIO())
    assert [i.text for i in terminal.inputs()] == ["第一行\n第二行"]
    together = Terminal(make_service(tmp_path), tmp_path, user="clerk", stdin=Tty("甲\n乙\n"), stdout=io.StringIO())
    assert [i.text for i in together.inputs()] == ["甲\n乙"]

    block = Terminal(make_service(tmp_path), tmp_path, user="clerk", stdin=Tty("<<<\n长\n文\n>>>\n"), stdout=io.StringIO())
    assert [i.text for i in block.inputs()] == ["长\n文"]  # <<< … >>> pasted at once: still its own mode
