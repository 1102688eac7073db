"""Long answers (issue 12, item 7): several messages, an uploaded .txt/.docx, the terminal's line limit,
and the number of characters stored always said. Stored texts read back from the database."""

from __future__ import annotations

import io

import docx
from driver import FACTS, Clerk, make_service, onboard
from sqlmodel import select

from bot.channels.terminal import Terminal
from bot.storage.models import ReportRecord

PART = "我镇坚持公开为常态，不公开为例外。" * 100  # 1,700 characters


def stored(service) -> dict:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        return store.answers(record.id)


def at_overview_draft(clerk: Clerk) -> None:
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])


def test_text_typed_at_a_draft_is_collected_over_several_messages(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    at_overview_draft(clerk)
    clerk.say(PART)
    assert f"已保存（共{len(PART)}字）" in clerk.texts()
    clerk.say(PART)
    clerk.say(PART)
    assert f"共{3 * len(PART) + 2}字" in clerk.texts()
    clerk.tap("完成")
    assert stored(service)["text.overview"] == "\n".join([PART] * 3)


def test_a_docx_or_txt_sent_at_a_narrative_is_its_text(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    at_overview_draft(clerk)
    document = docx.Document()
    for _ in range(3):
        document.add_paragraph(PART)
    data = io.BytesIO()
    document.save(data)
    clerk.upload("总体情况.docx", data.getvalue())
    expected = "\n".join([PART] * 3)
    assert f"共{len(expected)}字" in clerk.texts()
    assert stored(service)["text.overview"] == expected
    clerk.upload("补充.txt", "另外，我镇还更新了公开栏12期。".encode())
    clerk.tap("完成")
    assert stored(service)["text.overview"] == expected + "\n另外，我镇还更新了公开栏12期。"


def test_terminal_warns_at_the_line_limit_and_takes_a_multi_line_block(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service, "tty", channel="terminal")
    at_overview_draft(clerk)
    cut = ("公" * 1365)  # 4,095 bytes: what a terminal keeps of a longer line
    block = "\n".join(["<<<", PART, PART, PART, ">>>"])
    out = io.StringIO()
    Terminal(service, tmp_path / "docs", "tty", stdin=io.StringIO(cut + "\n" + block + "\n"), stdout=out).run()
    text = out.getvalue()
    assert "已达终端单行输入的上限4095字节" in text and "<<<" in text
    assert f"已保存（共{len(cut)}字）" in text
    expected = cut + "\n" + "\n".join([PART] * 3)
    assert f"共{len(expected)}字" in text
    assert stored(service)["text.overview"] == expected
