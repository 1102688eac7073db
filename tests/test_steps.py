"""How many inputs an all-zero township needs from /start to its .docx: every typed message and every
button press counts (the numbers are recorded in docs/steps.md).

Fewer steps come from the design, not from leaving content out: the level a name states, the default
year and 全国通用 outside 山东 are not asked; one tap fills 表二、表三、表四 with zeros; 六 is written from
“没有收取，也没有其他事项”; the 前言 is written from the three answers it consists of; with last year's
report, its texts are the drafts of 一 and 五.
"""

from __future__ import annotations

import docx
import pytest
from driver import FACTS, Clerk, make_service
from factories import zero_report

from bot.channels.wiring import docx_bytes
from bot.checks.validate import validate
from bot.importer import import_bytes
from bot.storage.models import ReportRecord

ALL_ZERO_MAX = 18
WITH_LAST_YEAR_MAX = 12


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def stored(service) -> tuple[ReportRecord, dict]:
    """The clerk's report of 2026 and its answers, read back from the database."""
    with service.repo.transaction() as store:
        from sqlmodel import select

        record = store.session.exec(select(ReportRecord).where(ReportRecord.year == 2026)).one()
        answers = store.answers(record.id)
        answers["cells"] = store.load_report(record.id).cells
        return record, answers


def finish_and_read(clerk: Clerk):
    clerk.tap("生成Word文档")
    name, data = clerk.document()
    assert name == "次营镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
    result = import_bytes(data, name)
    assert [f for f in validate(result.report) if f.level == "error"] == []
    return result.report, data


def test_all_zero_township_from_start_to_docx_in_at_most_18_inputs(service):
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.say("次营镇人民政府")
    assert "按名称识别为乡镇（街道）" in clerk.texts() and "将填写2026年度的报告" in clerk.texts()
    clerk.say("山西省 晋城市 阳城县")
    clerk.tap("三张表都为0（表二、表三、表四）")
    assert "表二、表三、表四已全部填为0" in clerk.texts()
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    clerk.tap("采用草稿")
    clerk.tap("跳过")
    clerk.say(FACTS["problems"])
    clerk.say(FACTS["measures"])
    clerk.tap("采用草稿")
    clerk.tap("没有收取，也没有其他需要报告的事项")
    clerk.say("阳城县人民政府门户网站（www.yczf.gov.cn）")
    clerk.say("阳城县次营镇府前街1号")
    clerk.say("0356-4221234")
    assert "已按您的回答写好这一部分" in clerk.texts() and "0个错误" in clerk.texts()
    report, data = finish_and_read(clerk)
    assert clerk.actions <= ALL_ZERO_MAX, clerk.actions
    print(f"\nall-zero township: {clerk.actions} inputs")  # recorded in docs/steps.md
    record, answers = stored(service)
    assert answers["unit.level"] == "township" and record.profile == "national" and record.year == 2026
    assert [path for path, value in answers["cells"].items() if value != 0] == []
    assert answers["info_fee"] == {"cases": 0, "amount_yuan": 0} and answers["fact.other"] == ""
    assert "未收取" in answers["text.other"] and "0356-4221234" in answers["text.preamble"]
    assert all(v == 0 for v in report.cells.values())
    assert "未收取政府信息公开信息处理费" in report.text["other"]
    assert "0356-4221234" in "\n".join(p.text for p in docx.Document(__import__("io").BytesIO(data)).paragraphs)


def test_with_last_years_report_uploaded_first_in_at_most_12_inputs(service):
    last = zero_report(2025, "次营镇人民政府")
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.upload("次营镇人民政府2025年政府信息公开工作年度报告.docx", docx_bytes(last, "定稿"))
    assert "已读取2025年度报告" in clerk.texts() and "上年结转”已按去年" in clerk.texts()
    clerk.say("山西省 晋城市 阳城县")
    clerk.tap("三张表都为0（表二、表三、表四）")
    clerk.tap("以去年文字为底稿")  # 一: the facts are not asked, last year's text is offered first
    assert "请务必结合今年的实际修改" in clerk.texts()
    clerk.tap("以去年文字为底稿")  # 五
    clerk.tap("没有收取，也没有其他需要报告的事项")
    clerk.say("阳城县人民政府门户网站（www.yczf.gov.cn）")
    clerk.say("阳城县次营镇府前街1号")
    clerk.say("0356-4221234")
    report, _ = finish_and_read(clerk)
    assert clerk.actions <= WITH_LAST_YEAR_MAX, clerk.actions
    print(f"\nwith last year's report: {clerk.actions} inputs")  # recorded in docs/steps.md
    _, answers = stored(service)
    assert answers["text.overview"] == last.text["overview"].replace("2025", "2026")
    assert answers["text.problems"] == last.text["problems"]
    assert answers["table3.CARRY.SUM"] == 0 and all(v == 0 for v in report.cells.values())


def test_questions_not_asked_are_still_reachable(service):
    """What the short path takes by default can be changed: the year and the level from the region
    question, everything from the unit card; the facts of 一 after all, from its draft."""
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.say("次营镇人民政府")
    clerk.tap("改年度（现为2026年度）")
    clerk.tap("2025年度")
    assert "本次填写哪一年度" not in clerk.texts() and "将填写2025年度的报告" in clerk.texts()
    clerk.tap("不是乡镇（街道）？改层级")
    clerk.tap("县级部门")
    assert "请依次输入所在的省、市、县" in clerk.texts()
    clerk.say("山东省 济南市 历城区")
    assert "第六部分“其他需要报告的事项”按哪种格式写" in clerk.texts()  # 山东 is asked
    clerk.tap("山东省（七项）")
    with service.repo.transaction() as store:
        from sqlmodel import select

        record = store.session.exec(select(ReportRecord)).one()
        answers = store.answers(record.id)
    assert record.year == 2025 and record.profile == "shandong" and answers["unit.level"] == "county_department"
    clerk.say("/menu")
    clerk.tap("✔ 1. 单位信息")
    assert "当前：次营镇人民政府（县级部门），山东省 济南市 历城区，2025年度" in clerk.texts()
    clerk.tap("改所在地")
    clerk.say("山东省 济南市 章丘区")
    assert "已保存所在地：山东省 济南市 章丘区" in clerk.texts()
    clerk.say("/menu")
    clerk.tap("✔ 1. 单位信息")
    clerk.tap("名称不变，继续")
    assert "本单位属于哪一级" in clerk.texts()  # the stored level differs from the one the name states: asked
