"""End to end: the real PTB Application polling a fake Bot API on 127.0.0.1, clerks talking to it."""

from __future__ import annotations

import io
import json
import threading
import time

import docx
import pytest
from conftest import SAMPLES, free_port
from driver import narratives, onboard  # the same answers as the engine tests, through Telegram
from factories import zero_report
from fakebotapi import FakeBotAPI
from pgserver import current_url
from tgharness import START, BotProcess, BotThread, TgClerk, config_for, service_for

from bot.checks.validate import validate
from bot.importer import import_bytes
from bot.storage import inbox

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


@pytest.fixture
def api():
    with FakeBotAPI(token="123:ABC") as fake:
        yield fake


def read_docx(call) -> tuple:  # type: ignore[no-untyped-def]
    result = import_bytes(call.data, call.filename)
    return result.report, result


def test_all_zero_township_in_30_actions(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 501)
        onboard(clerk)
        clerk.tap("全部为0")
        clerk.tap("没有，全部为0")
        clerk.tap("没有，全部为0")
        narratives(clerk)
        assert "0个错误" in clerk.last_text()
        clerk.tap("生成Word文档")
        doc = clerk.last_document()
        assert doc is not None and doc.filename == "次营镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
        assert clerk.actions <= 30, clerk.actions
        report, _ = read_docx(doc)
        assert report.year == 2026 and report.unit["name"] == "次营镇人民政府"
        assert all(v == 0 for k, v in report.cells.items())
        assert not [f for f in validate(report) if f.level == "error"]
        # the pressed prompt lost its buttons and shows the choice
        edits = [c for c in api.sent if c.method == "editMessageText" and c.chat_id == 501]
        assert edits and all(c.reply_markup is None for c in edits) and any("✔ 全部为0" in (c.text or "") for c in edits)
        assert not api.errors


def test_clerk_with_a_real_application_like_ciying(api, tmp_path):
    """次营镇 2023: one application from a 自然人, received this year, carried into next year."""
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 502)
        onboard(clerk)
        clerk.tap("全部为0")
        clerk.tap("有，逐件录入")
        clerk.tap("自然人")
        clerk.tap("本年新收")
        clerk.tap("尚未办结（结转下年度）")
        clerk.tap("录完了")
        assert "表三检查通过" in clerk.last_text()
        clerk.tap("没有，全部为0")
        narratives(clerk)
        clerk.tap("生成Word文档")
        report, _ = read_docx(clerk.last_document())
        c = report.cells
        assert (c["table3.NEW.NP"], c["table3.NEW.SUM"], c["table3.FWD.NP"], c["table3.TOTAL.SUM"]) == (1, 1, 1, 0)
        assert "收到政府信息公开申请1件" in report.text["overview"]
        assert "结转下年度继续办理1件" in report.text["overview"]
        assert not [f for f in validate(report) if f.rule == "W-TXT-APPS"]


def test_json_upload_then_docx_with_nothing_else_asked(api, tmp_path):
    doc = zero_report(2026, "测试镇人民政府").to_dict()
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 503)
        clerk.say("/start")
        clerk.upload("年报.json", json.dumps(doc, ensure_ascii=False).encode())
        assert "已从JSON填入" in clerk.last_text()
        clerk.say("/docx")
        sent = clerk.last_document()
        assert sent is not None and sent.filename == "测试镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
        docx.Document(io.BytesIO(sent.data))
        clerk.say("/export")
        exported = clerk.last_document()
        assert exported is not None and json.loads(exported.data)["unit"]["name"] == "测试镇人民政府"


def test_uploads_of_wrong_files_are_answered(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 504)
        onboard(clerk)
        clerk.upload("报告.exe", b"MZ\x90\x00 garbage")
        assert "不支持" in clerk.last_text()
        clerk.upload("photo.jpg", b"\xff\xd8\xff garbage")  # a photo is read (OCR): this one is broken
        assert "损坏" in clerk.last_text() and "没有任何改动" in clerk.last_text()
        clerk.upload("broken.docx", b"PK\x03\x04 not a zip")
        assert "损坏" in clerk.last_text() and "没有任何改动" in clerk.last_text()
        clerk.upload("bad.json", b'{"schema": "gov-info-annual-report/2021", "year": 2026, "unit": {"name": ""}}')
        assert "unit.name" in clerk.last_text()


def test_last_years_report_uploaded_prefills(api, tmp_path):
    text = (SAMPLES / "township-2023-shanxi-ciying.txt").read_text(encoding="utf-8").replace("2023", "2025")
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 505)
        onboard(clerk)
        clerk.upload("次营镇2025年报.txt", text.encode("utf-8"))
        assert "已读取2025年度报告" in clerk.last_text() and "上年结转" in clerk.last_text()
        clerk.say("/preview 文字")
        assert "上年结转：1 0 0 0 0 0 | 1" in clerk.last_text()


def test_stale_button_is_answered_not_obeyed(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 506)
        onboard(clerk)
        # the first prompt (unit name) was answered by typing, so its “说明” button is still shown
        first = next(c for c in api.messages_to(506) if any(text == "说明" for text, _ in c.buttons))
        data = next(d for text, d in first.buttons if text == "说明")
        before = len(api.callback_answers)
        sent_before = len([c for c in api.sent if c.chat_id == 506])
        api.press_button(506, first.message_id, data)
        answer = _wait_callback(api, before)
        assert "过期" in (answer.text or "")
        assert len([c for c in api.sent if c.chat_id == 506 and c.method == "sendMessage"]) <= sent_before


def _wait_callback(api, before):  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(api.callback_answers) > before:
            return api.callback_answers[-1]
        time.sleep(0.05)
    raise AssertionError("no callback answer")


def test_two_clerks_at_once_do_not_interfere(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        a, b = TgClerk(api, 601, "李四"), TgClerk(api, 602, "王五")
        errors: list[BaseException] = []

        def run(clerk: TgClerk, name: str, row: str) -> None:
            try:
                onboard(clerk, name)
                clerk.tap("有，逐项填写")
                clerk.say(row)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(a, "东镇人民政府", "1 0 1")),
                   threading.Thread(target=run, args=(b, "西镇人民政府", "2 0 2"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        assert not errors
        a.say("/preview 文字")
        assert "东镇人民政府" in a.last_text() and "本年制发件数1" in a.last_text()
        b.say("/preview 文字")
        assert "西镇人民政府" in b.last_text() and "本年制发件数2" in b.last_text()


def test_sigkill_mid_interview_loses_nothing(api, tmp_path):
    bot = BotProcess(api, tmp_path).start()
    try:
        clerk = TgClerk(api, 701)
        onboard(clerk)
        clerk.tap("有，逐项填写")
        clerk.say("3 1 7")
        assert "已保存" in clerk.last_text()
        clerk.send_only("5 0 0")  # in flight when the process dies
        bot.kill()
        bot = BotProcess(api, tmp_path).start()
        clerk.say("/start")
        text = clerk.last_text()
        service = service_for(tmp_path)
        with service.repo.transaction() as store:
            user = store.user("telegram", "701")
            conv = store.conversation(user)
            report = store.load_report(conv.report_id)
        assert (report.cells["table2.NORM.made"], report.cells["table2.NORM.valid"]) == (3, 7)
        if report.cells["table2.LIC"] is None:  # the in-flight answer was not committed: asked again
            assert "行政许可、行政处罚、行政强制" in text
            clerk.say("5 0 0")
        else:  # it was committed before the kill: the next question
            assert report.cells["table2.LIC"] == 5 and "行政事业性收费" in text
        clerk.say("0")
        clerk.tap("没有，全部为0")
        clerk.tap("没有，全部为0")
        narratives(clerk)
        clerk.tap("生成Word文档")
        final, _ = read_docx(clerk.last_document())
        assert (final.cells["table2.NORM.made"], final.cells["table2.LIC"]) == (3, 5)
    finally:
        bot.stop()


def test_reminder_arrives_and_its_button_continues_the_interview(api, tmp_path):
    from datetime import datetime

    from bot.core.clock import FixedClock

    # The reminders' clock stands where the interview worker's clock starts (START): a report the worker
    # stamps is then never older than what the reminders look at since their previous tick.
    clock = FixedClock(START)
    with BotThread(config_for(api, tmp_path), clock=clock, reminder_interval=0.2):
        clerk = TgClerk(api, 801)
        onboard(clerk)
        clerk.tap("有，逐项填写")
        # 31 Jan 2027 is a Sunday: the plan counts to Friday 29 Jan; 30 days before is 30 Dec 2026
        clock.set(datetime(2026, 12, 30, 9, 5))
        reminder = api.wait_for(lambda c: c.chat_id == 801 and "年报提醒" in (c.text or ""), timeout=20)
        assert "次营镇人民政府2026年度" in reminder.text and "1月29日前" in reminder.text
        assert reminder.buttons == [("继续填写", "resume")]
        before = len(api.sent)
        api.press_button(801, reminder.message_id, "resume")
        resumed = api.wait_for(lambda c: c.chat_id == 801 and c.method == "sendMessage", timeout=10, since=before)
        assert "继续填写" in resumed.text and "行政规范性文件" in resumed.text
        time_sent = len([c for c in api.messages_to(801) if "年报提醒" in (c.text or "")])
        import time

        time.sleep(1.0)  # several more reminder ticks: the same reminder is not sent again
        assert len([c for c in api.messages_to(801) if "年报提醒" in (c.text or "")]) == time_sent == 1


def kill_during_a_slow_upload(api: FakeBotAPI, bot: BotProcess, chat: int) -> int:
    """A clerk's upload, confirmed to Telegram while its file is still downloading, and the polling bot
    SIGKILLed then; the upload's update id."""
    clerk = TgClerk(api, chat)
    onboard(clerk)
    api.download_gate.clear()  # the file download hangs
    text = (SAMPLES / "township-2023-shanxi-ciying.txt").read_text(encoding="utf-8").replace("2023", "2025")
    update_id = api.send_document(chat, "次营镇2025年报.txt", text.encode("utf-8"))
    for _ in range(200):  # bounded: until Telegram has been told the update arrived, and the download began
        if api.unconfirmed == 0 and api.calls["getFile"] >= 1:
            break
        time.sleep(0.05)
    assert api.unconfirmed == 0 and api.calls["getFile"] >= 1
    bot.kill()
    api.download_gate.set()
    return update_id


def answered_once_after(api: FakeBotAPI, tmp_path, chat: int, update_id: int, mark: int) -> None:
    """The upload is answered, once, by the restarted bot, and nothing of it is left in the inbox."""
    api.wait_for(lambda c: c.chat_id == chat and "已读取2025年度报告" in (c.text or ""), timeout=30, since=mark)
    time.sleep(0.5)  # nothing more arrives: the upload was answered once
    answers = [c for c in api.sent[mark:] if c.chat_id == chat and "已读取2025年度报告" in (c.text or "")]
    assert len(answers) == 1
    repo = service_for(tmp_path).repo
    with repo.transaction() as store:
        conv = store.conversation(store.user("telegram", str(chat)))
        assert conv.last_seq >= update_id
    for _ in range(100):  # bounded: handled updates leave the inbox together, moments after
        if not inbox.waiting(repo, "telegram"):
            break
        time.sleep(0.05)
    assert inbox.waiting(repo, "telegram") == []


def test_sigkill_during_a_slow_upload_loses_no_message(api, tmp_path):
    """The upload is confirmed to Telegram while its file is still downloading; the bot is killed then.
    After the restart the upload is handled and answered, once."""
    bot = BotProcess(api, tmp_path).start()
    try:
        update_id = kill_during_a_slow_upload(api, bot, 702)
        mark = len(api.sent)
        bot = BotProcess(api, tmp_path).start()
        answered_once_after(api, tmp_path, 702, update_id, mark)
    finally:
        bot.stop()


def test_a_bot_restarted_with_the_webhook_handles_what_polling_had_kept(api, tmp_path):
    """An operator who switches to the webhook right after a crash loses nothing: the update the killed
    polling bot had confirmed to Telegram is handled by the webhook bot at start, once."""
    bot = BotProcess(api, tmp_path).start()
    try:
        update_id = kill_during_a_slow_upload(api, bot, 703)
        mark, port = len(api.sent), free_port()
        api.proxy_targets = [f"http://127.0.0.1:{port}/tg"]
        bot = BotProcess(api, tmp_path).start_webhook(current_url(), port, "e2e-webhook-secret-token-0123")
        answered_once_after(api, tmp_path, 703, update_id, mark)
    finally:
        bot.stop()
