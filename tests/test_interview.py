"""The interview engine through the service and a real SQLite file: flows, bad input, restarts, uploads."""

from __future__ import annotations

import io
import json
import threading
import zipfile

import docx
import pytest
from conftest import SAMPLES, report_file
from driver import Clerk, make_service, narratives, onboard
from factories import zero_report

from bot.checks.validate import validate
from bot.importer import import_bytes
from bot.storage.repository import Repository

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def answers(service, report_id=None):
    with service.repo.transaction() as store:
        from sqlmodel import select

        from bot.storage.models import ReportRecord

        record = store.session.exec(select(ReportRecord)).first() if report_id is None else store.report_record(report_id)
        return store.answers(record.id), store.load_report(record.id)


def test_all_zero_township_in_few_actions_and_docx_reads_back(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    assert "表三检查通过" in clerk.texts()
    clerk.tap("没有，全部为0")
    narratives(clerk)
    assert "0个错误" in clerk.texts()
    clerk.tap("生成Word文档")
    name, data = clerk.document()
    assert name == "次营镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as package:  # the draft is marked on its pages, not only in its name
        assert any("草稿" in package.read(n).decode() for n in package.namelist() if n.startswith("word/header"))
    assert clerk.actions <= 30
    result = import_bytes(data, name)
    assert result.report.unit["name"] == "次营镇人民政府" and result.report.year == 2026
    assert all(v == 0 for k, v in result.report.cells.items() if k != "table2.FEE")
    assert [f for f in validate(result.report) if f.level == "error"] == []
    assert "未收取政府信息公开信息处理费" in result.report.text["other"]


def test_progress_and_explanations_are_shown(service):
    clerk = Clerk(service)
    clerk.say("/start")
    assert "第 1/9 部分" in clerk.texts()
    clerk.say("阳城县教育局")  # a name that does not state the level: it is asked, with its explanation
    clerk.tap("说明")
    assert "乡镇人民政府和街道办事处" in clerk.texts()


@pytest.mark.parametrize(
    "answer, words",
    [
        ("abc", "不是数字"),
        ("-1 0 0", "负数"),
        ("1.5 0 0", "不是整数"),
        ("1 0", "需要3个数"),
        ("999999999 0 0", "太大"),  # above bot/core/limits.py MAX_COUNT (tens of millions of decisions are real)
    ],
)
def test_bad_numbers_are_refused_and_change_nothing(service, answer, words):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("2 0 5")  # the norms row
    before, _ = answers(service)
    clerk.say(answer)  # the decisions (three counts)
    assert words in clerk.texts() and "尚未保存" in clerk.texts()
    after, _ = answers(service)
    assert after == before
    clerk.say("一 零 两")  # Chinese numerals and full width work
    now, report = answers(service)
    assert (report.cells["table2.LIC"], report.cells["table2.PUN"], report.cells["table2.COE"]) == (1, 0, 2)
    assert report.cells["table2.REG.made"] == 0  # a township makes no 规章: filled, not asked


def test_fee_must_be_money(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("0 0 0")
    clerk.say("０ ０ ０")
    clerk.say("很多")
    assert "不是金额" in clerk.texts()
    clerk.say("-2")
    assert "不能为负数" in clerk.texts()
    clerk.say("1.25")
    _, report = answers(service)
    assert str(report.cells["table2.FEE"]) == "1.25"


def test_stale_button_is_answered_not_obeyed(service):
    clerk = Clerk(service)
    onboard(clerk)
    old = clerk.button_data("全部为0")
    clerk.tap("有，逐项填写")
    outcome = clerk.press_data(old)
    assert outcome.stale and "过期" in outcome.ack
    _, report = answers(service)
    assert report.cells["table2.LIC"] is None
    forged = clerk.press_data("deadbeef:opt:zero")
    assert forged.stale


def test_restart_continues_at_the_same_question(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("3 1 7")
    service.repo.dispose()
    again = Clerk(make_service(tmp_path))
    again.say("/start")
    assert "欢迎回来" in again.texts() and "行政许可、行政处罚、行政强制" in again.texts()
    _, report = answers(again.service)
    assert (report.cells["table2.NORM.made"], report.cells["table2.NORM.valid"]) == (3, 7)


def test_applications_one_by_one_build_table_three(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("有，逐件录入")
    for who, when, result, item in [("自然人", "本年新收", "予以公开", None), ("商业企业", "本年新收", "不予公开", "属于国家秘密"),
                                    ("自然人", "上年结转", "尚未办结（结转下年度）", None)]:
        clerk.tap(who)
        clerk.tap(when)
        clerk.tap(result)
        if item:
            clerk.tap(item)
    clerk.tap("录完了")
    assert "表三检查通过" in clerk.texts()
    _, report = answers(service)
    c = report.cells
    assert (c["table3.NEW.NP"], c["table3.NEW.BIZ"], c["table3.NEW.SUM"], c["table3.CARRY.NP"]) == (1, 1, 2, 1)
    assert (c["table3.OPEN.NP"], c["table3.DEN1.BIZ"], c["table3.TOTAL.SUM"], c["table3.FWD.NP"]) == (1, 1, 2, 1)
    assert [f for f in validate(report) if f.rule.startswith("E-T3")] == []


def test_rows_flow_with_a_wrong_total_and_a_fix_by_row_name(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("有，按行填写")
    clerk.say("2 0 0 0 0 0 3")  # NEW with a wrong total
    assert "总计应为2" in clerk.texts()
    clerk.say("2 0 0 0 0 0")  # NEW
    clerk.tap("本行全为0")  # CARRY
    clerk.say("1 0 0 0 0 0")  # OPEN
    clerk.tap("其余各行全为0")
    text = clerk.texts()
    assert "表三有" in text and "第一列（自然人）" in text  # NEW 2 + 0 ≠ TOTAL 1 + FWD 0
    clerk.say("结转下年度 1 0 0 0 0 0")
    assert "表三检查通过" in clerk.texts()


def test_pasted_table_three(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("粘贴整张表")
    text = report_file("zone-2022-fujian-pingtan.txt").read_text(encoding="utf-8")
    table = text[text.index("（本列数据的勾稽关系"): text.index("四、政府信息公开行政法复议")]
    clerk.say(table)
    assert "已读取整张表三" in clerk.texts() and "表三检查通过" in clerk.texts()
    _, report = answers(service)
    assert report.cells["table3.UNA1.NP"] == 37 and report.cells["table3.TOTAL.SUM"] == 75


def test_long_text_over_several_messages(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    for _ in range(4):
        clerk.tap("跳过")
    clerk.tap("重新编写")
    part = "我镇坚持公开为常态。" * 400  # 4000 characters, Telegram's limit per message
    clerk.say(part)
    clerk.say(part)
    clerk.tap("完成")
    _, report = answers(service)
    assert report.text["overview"] == part + "\n" + part
    clerk.say("/back")
    clerk.tap("重新编写")
    for _ in range(5):
        clerk.say(part)
    assert "超过20000字" in clerk.texts()
    _, report = answers(service)
    assert len(report.text["overview"]) == 4 * 4000 + 3  # the fifth was refused; four kept, joined by newlines


def test_json_upload_after_start_then_docx(service):
    doc = zero_report(2026, "测试镇人民政府").to_dict()
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.upload("report.json", json.dumps(doc, ensure_ascii=False).encode())
    assert "已从JSON填入" in clerk.texts()
    clerk.say("/docx")
    name, data = clerk.document()
    assert name == "测试镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
    docx.Document(io.BytesIO(data))


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("bad.json", b"{not json", "不符合年报数据格式"),
        ("schema.json", json.dumps({"schema": "gov-info-annual-report/2021", "year": 2026}).encode(), "unit"),
        ("photo.png", b"\x89PNG....", "无法读取"),  # a photo is read (OCR); this one is no picture at all
        ("报告.exe", b"MZ\x90\x00 garbage", "不支持"),
        ("broken.docx", b"PK\x03\x04garbage", "损坏"),
        ("empty.txt", b"", "文件是空的"),
    ],
)
def test_bad_uploads_change_nothing(service, name, data, words):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("1 0 1")
    before, _ = answers(service)
    clerk.upload(name, data)
    assert words in clerk.texts()
    after, _ = answers(service)
    assert after == before


def test_too_big_upload(service):
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.upload("big.docx", b"0" * (10 * 1024 * 1024 + 1))
    assert "文件太大" in clerk.texts()


def test_last_years_report_prefills_and_enables_cross_year_checks(service):
    clerk = Clerk(service)
    onboard(clerk, name="平潭综合实验区", region="福建省 福州市 平潭县", year="2025年度")
    # pretend 2022: switch the year to 2022 is not offered; use the 2021/2022 pair through a 2023 report instead
    clerk.say("/start")
    data = (SAMPLES / "township-2023-shanxi-ciying.txt").read_bytes()
    clerk.upload("次营镇2023.txt", data)
    assert "2023年度的报告" in clerk.texts()  # not this report's year or the year before: refused


def test_last_years_report_prefills_carry_over(tmp_path):
    from datetime import date

    service = make_service(tmp_path, today=date(2024, 11, 20))
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.upload("次营镇2023.txt", (SAMPLES / "township-2023-shanxi-ciying.txt").read_bytes())
    assert "上年结转" in clerk.texts()
    _, report = answers(service, None)
    with service.repo.transaction() as store:
        from sqlmodel import select

        from bot.storage.models import ReportRecord

        records = {r.year: r for r in store.session.exec(select(ReportRecord)).all()}
        this = store.load_report(records[2024].id)
    assert this.unit["name"] == "次营镇人民政府"
    assert this.cells["table3.CARRY.NP"] == 1 and this.cells["table3.CARRY.SUM"] == 1


def test_two_clerks_of_one_unit_at_once(tmp_path):
    service = make_service(tmp_path)
    owner = Clerk(service, "owner")
    onboard(owner)
    owner.say("/invite")
    token = owner.texts().split("/start ")[1].split()[0]
    colleague = Clerk(service, "colleague")
    colleague.say(f"/start {token}")
    assert "您已加入“次营镇人民政府”" in colleague.texts()
    stranger = Clerk(service, "stranger")
    stranger.say(f"/start {token}")
    assert "已被使用过" in stranger.texts()

    owner.say("/start")  # back to the question after the invite
    owner.tap("有，逐项填写")
    colleague.say("/menu")
    colleague.tap("4. 表四 复议诉讼")
    colleague.tap("有，逐项填写")
    errors: list[BaseException] = []

    def run(clerk: Clerk, texts: list[str]) -> None:
        try:
            for text in texts:
                clerk.say(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(owner, ["1 0 1", "2 2 2", "0.5"])),
        threading.Thread(target=run, args=(colleague, ["1 0 0 0", "0 0 0 0", "0 1 0 0"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    _, report = answers(service)
    c = report.cells
    assert (c["table2.NORM.valid"], c["table2.LIC"], str(c["table2.FEE"])) == (1, 2, "0.5")
    assert (c["table4.RV.M"], c["table4.RV.T"], c["table4.LR.C"], c["table4.LR.T"]) == (1, 1, 1, 1)
    with service.repo.transaction() as store:
        record_id = store.conversation(store.user("test", "owner")).report_id
        authors = {a.user_id for a in store.history(record_id, 500)}
    assert len(authors) == 2  # both clerks' answers are in the audit log, each under its author


def test_unknown_command_and_help(service):
    clerk = Clerk(service)
    clerk.say("/frobnicate")
    assert "没有 /frobnicate 这个命令" in clerk.texts()
    clerk.say("/help")
    assert "/docx" in clerk.texts()


def test_docx_blocked_by_errors_lists_them(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.say("/docx")
    assert "还有以下错误" in clerk.texts() and clerk.document() is None


def test_repository_uses_wal_and_foreign_keys(tmp_path):
    repo = Repository(data_dir=tmp_path)
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_redelivered_input_is_not_applied_twice(service):
    from bot.interview.types import Input

    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    first = service.handle("test", "clerk1", Input(kind="text", text="1 0 1", seq=100), "测试")
    assert "已保存" in first.replies[0].text
    again = service.handle("test", "clerk1", Input(kind="text", text="1 0 1", seq=100), "测试")
    assert "上一条消息已处理" in again.replies[0].text and "行政许可" in again.replies[0].text
    _, report = answers(service)
    assert report.cells["table2.LIC"] is None  # the repeat was not taken as the answer to the next question
