"""The format is data: a variant of the definition and its interview, written beside the installed ones, works
end to end with no change to the code (issue 28). The variant adds a row to 表二 (行政检查), renames a row of
表三 (（一）予以公开 → （一）全部公开) and moves the 信息处理费 statement from 六 to 五. The interview asks the new
row and offers the renamed one, validation checks both, the .docx shows them, the importer reads them back
from the rendered report's text, and the JSON schema has them.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from driver import FACTS, Clerk, has_button, onboard

from bot.channels.wiring import docx_bytes
from bot.checks.validate import validate
from bot.core.clock import FixedClock
from bot.core.report import Report
from bot.core.schema import report_schema
from bot.format.definition import FORMATS_DIR, FormatError, load_format
from bot.format.interview import load_script
from bot.importer import import_bytes
from bot.interview.engine import Engine
from bot.interview.service import Service
from bot.storage.repository import Repository

FORMAT, SCRIPT = "gov-2021", "interview-2021"


def _edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def variant(tmp_path: Path) -> Path:
    """A copy of the format and its interview with three changes, in a directory of its own."""
    directory = tmp_path / "formats"
    directory.mkdir()
    for name in (FORMAT, SCRIPT):
        shutil.copy(FORMATS_DIR / f"{name}.yaml", directory / f"{name}.yaml")
    _edit(
        directory / f"{FORMAT}.yaml",
        ("          - {key: COE, label: 行政强制, kind: count}\n",
         "          - {key: COE, label: 行政强制, kind: count}\n          - {key: CHK, label: 行政检查, kind: count}\n"),
        ("{key: OPEN, label: （一）予以公开, short: 予以公开,", "{key: OPEN, label: （一）全部公开, short: 全部公开,"),
        ("problems: {label: 五、存在的主要问题及改进情况, required: true}", "problems: {label: 五、存在的主要问题及改进情况, required: true, fee: true}"),
        ("other: {label: 六、其他需要报告的事项, required: true, fee: true}", "other: {label: 六、其他需要报告的事项, required: true}"),
        ("“六、其他需要报告的事项”中没有说明本年度信息处理费", "“五、存在的主要问题及改进情况”中没有说明本年度信息处理费"),
    )
    _edit(
        directory / f"{SCRIPT}.yaml",
        ("  - id: t2_fee\n",
         "  - id: t2_check\n    part: table2\n    kind: values\n    keys: [table2.CHK]\n"
         "    prompt: 本年以本单位名义作出的行政检查决定多少件？请发一个数，例如：5\n  - id: t2_fee\n"),
        # the fee question moves with its statement: asked in 五, before 五's draft; its “nothing else either”
        # answer, which writes 六 at once, stays behind in 六
        ("  - id: fee_charged\n    part: other\n", "  - id: fee_charged\n    part: problems\n"),
        ("    completes: other_draft", "    # completes: other_draft"),
    )
    text = (directory / f"{SCRIPT}.yaml").read_text(encoding="utf-8")
    fee = text[text.index("  - id: fee_charged\n"): text.index("  - id: other_items\n")]
    text = text.replace(fee, "").replace("  - id: pr_draft\n", fee + "  - id: pr_draft\n")
    (directory / f"{SCRIPT}.yaml").write_text(text, encoding="utf-8")
    return directory


def test_the_variant_loads_beside_the_installed_format(variant):
    fmt, installed = load_format(FORMAT, variant), load_format(FORMAT)
    assert fmt is not installed and fmt is load_format(FORMAT, variant)  # one read per directory
    assert fmt.cell("table2.CHK").name == "表二「行政检查」本年处理决定数量"
    assert "table2.CHK" not in {c.path for c in installed.cells()}
    assert fmt.table3.row("OPEN").name == "全部公开" and installed.table3.row("OPEN").name == "予以公开"
    assert (fmt.fee_text, installed.fee_text) == ("problems", "other")
    assert [s.id for s in load_script(SCRIPT, variant).steps if s.part == "problems"][-2:] == ["fee_charged", "pr_draft"]


def test_a_role_naming_no_cell_is_a_load_error(variant):
    _edit(variant / f"{FORMAT}.yaml", ("  fee: table2.FEE ", "  fee: table2.FEES "))
    with pytest.raises(FormatError, match=r"cells\.fee: unknown cell 'table2\.FEES'"):
        load_format(FORMAT, variant)


def test_the_schema_has_the_new_row_and_the_renamed_one(variant):
    schema = report_schema(load_format(FORMAT, variant))
    table2 = schema["properties"]["table2"]
    assert "CHK" in table2["properties"] and "CHK" in table2["required"]
    assert "行政检查" in json.dumps(table2, ensure_ascii=False)
    assert "全部公开" in json.dumps(schema["properties"]["table3"], ensure_ascii=False)
    assert "CHK" not in report_schema()["properties"]["table2"]["properties"]


def test_validation_checks_the_new_row_and_the_moved_statement(variant):
    fmt = load_format(FORMAT, variant)
    report = Report.empty(year=2026, unit_name="次营镇人民政府", fmt=fmt)
    for cell in fmt.cells():
        report.cells[cell.path] = Decimal("0") if cell.kind == "money" else 0
    report.cells["table2.CHK"] = None
    report.text.update(overview="（一）主动公开", problems="本机关2026年度未收取政府信息公开信息处理费。", other="无。")
    findings = validate(report)
    assert [f.message for f in findings if f.rule == "E-BLANK"] == ["表二「行政检查」本年处理决定数量是空的（或填了“/”“-”“无”）。没有的请填0。"]
    assert not [f for f in findings if f.rule == "E-FEE-STATEMENT"]  # stated in 五, where the variant wants it
    report.text.update(problems="一是问题；二是问题。", other="本机关2026年度未收取政府信息公开信息处理费。")
    moved = [f for f in validate(report) if f.rule == "E-FEE-STATEMENT"]
    assert [f.cells for f in moved] == [["text.problems"]] and "“五、存在的主要问题及改进情况”中没有说明" in moved[0].message
    report.cells["table3.OPEN.NP"] = 2
    colsum = [f.message for f in validate(report) if f.rule == "E-T3-COLSUM"]
    parts = "自然人2 + 商业企业0 + 科研机构0 + 社会公益组织0 + 法律服务机构0 + 其他0"
    assert colsum == [f"表三「全部公开」行：{parts} 之和为2，但“总计”填的是0。请改正其中有误的数字。"]


def test_the_interview_asks_it_the_docx_shows_it_and_import_reads_it_back(variant, tmp_path):
    fmt, script = load_format(FORMAT, variant), load_script(SCRIPT, variant)
    clock = FixedClock(date(2026, 11, 23))
    repo = Repository(None, data_dir=tmp_path, now=clock.now, formats_dir=variant)
    clerk = Clerk(Service(repo, Engine(fmt, script, clock=clock, render_docx=docx_bytes)))
    onboard(clerk)
    clerk.tap("有，逐项填写")  # 表二 (a township is not asked its 规章)
    clerk.say("0 0 0")
    clerk.say("1 2 0")
    assert "行政检查决定多少件" in clerk.texts()  # the new row is asked
    clerk.say("5")
    assert "已保存：行政检查5件。" in clerk.texts()
    clerk.say("0")
    clerk.tap("有，逐件录入")  # 表三: the renamed row is offered by its new name
    clerk.tap("自然人")
    clerk.tap("本年新收")
    clerk.tap("全部公开")
    assert "已保存：自然人·本年新收·全部公开。" in clerk.texts()
    clerk.tap("录完了")
    assert "表三检查通过" in clerk.texts()
    clerk.tap("没有，全部为0")  # 表四
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    assert "全部公开1件" in clerk.texts()  # the overview's draft names the result by its new name
    clerk.tap("采用草稿")
    clerk.tap("跳过")
    clerk.say(FACTS["problems"])
    clerk.say(FACTS["measures"])
    assert not has_button(clerk, "没有收取，也没有其他需要报告的事项")  # that answer writes 六: it stays in 六
    clerk.tap("没有收取")  # asked in 五 now, and drafted into 五
    assert "本机关2026年度未收取政府信息公开信息处理费。" in clerk.texts()
    clerk.tap("采用草稿")
    clerk.say("本年度没有其他需要报告的事项")  # 六 holds no fee statement any more
    assert "信息处理费" not in clerk.texts()
    clerk.tap("采用草稿")
    clerk.say("阳城县人民政府门户网站（www.yczf.gov.cn）")
    clerk.say("阳城县次营镇府前街1号")
    clerk.say("0356-4221234")
    assert "0个错误" in clerk.texts(), clerk.texts()
    clerk.tap("生成Word文档")
    name, data = clerk.document()

    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "行政检查" in cells and "（一）全部公开" in cells and "（一）予以公开" not in cells
    paragraphs = [p.text for p in document.paragraphs]
    five, six = paragraphs.index("五、存在的主要问题及改进情况"), paragraphs.index("六、其他需要报告的事项")
    assert any("未收取政府信息公开信息处理费" in p for p in paragraphs[five:six])
    assert not any("信息处理费" in p for p in paragraphs[six:])

    result = import_bytes(data, name, fmt)
    report = result.report
    assert report.cells["table2.CHK"] == 5 and report.cells["table2.PUN"] == 2
    assert report.cells["table3.OPEN.NP"] == 1 and report.cells["table3.NEW.SUM"] == 1
    assert "未收取政府信息公开信息处理费" in report.text["problems"] and "信息处理费" not in report.text["other"]
    assert [f.message for f in validate(report) if f.level == "error"] == []
