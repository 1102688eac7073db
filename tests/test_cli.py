"""`nianbao check` and `nianbao import` as a user runs them: real files, real processes, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from conftest import ROOT, SAMPLES, report_file, shared
from factories import zero_report

from bot.checks.validate import validate
from bot.importer import import_path

CIYING = SAMPLES / "township-2023-shanxi-ciying.txt"


def nianbao(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )


def test_check_plain_output_groups_by_section():
    out = nianbao("check", str(CIYING))
    assert out.returncode == 1
    assert "次营镇人民政府 2023年" in out.stdout
    assert "■ 四、政府信息公开行政复议、行政诉讼情况" in out.stdout
    assert "[错误 E-BLANK] 表四「行政复议」结果维持是空的" in out.stdout
    assert "Traceback" not in out.stderr


def test_check_json_shape_and_exit_codes():
    out = nianbao("check", "--json", str(SAMPLES / "township-2023-shandong-caohe.txt"), str(CIYING))
    assert out.returncode == 1  # ciying has errors
    doc = json.loads(out.stdout)
    files = doc["files"]
    assert [f["unit"] for f in files] == ["济宁市兖州区漕河镇人民政府", "次营镇人民政府"]
    assert files[0]["findings"] == []
    finding = files[1]["findings"][0]
    assert set(finding) == {"rule", "level", "cells", "expected", "actual", "message"}
    clean = nianbao("check", "--json", str(SAMPLES / "township-2023-shandong-caohe.txt"))
    assert clean.returncode == 0


def test_check_with_previous_year():
    out = nianbao(
        "check", "--json", str(report_file("zone-2022-fujian-pingtan.txt")),
        "--previous", str(report_file("zone-2021-fujian-pingtan.txt")),
    )
    assert out.returncode == 0
    rules = [f["rule"] for f in json.loads(out.stdout)["files"][0]["findings"]]
    assert "W-CARRY-PREV" not in rules and "W-VALID-CONT" not in rules


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    files = {
        "empty.txt": b"",
        "garbage.txt": bytes(range(256)) * 40,
        "invalid.json": b'{"schema": "gov-info-annual-report/2021", "year": ',
        "schema.json": json.dumps({"schema": "gov-info-annual-report/2021", "year": 2023}).encode(),
        "broken.docx": b"PK\x03\x04 this is not really a zip archive",
        "notes.txt": "会议纪要\n今天讨论了三件事。\n".encode(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp / name
        paths[name].write_bytes(data)
    other = docx.Document()
    other.add_paragraph("关于召开春季运动会的通知")
    other.save(str(tmp / "letter.docx"))
    paths["letter.docx"] = tmp / "letter.docx"
    big = tmp / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    paths["big.txt"] = big
    return paths


@pytest.mark.parametrize("name, words", [
    ("empty.txt", "文件是空的"),
    ("garbage.txt", "二进制"),
    ("invalid.json", "不是有效的JSON"),
    ("schema.json", "unit"),
    ("broken.docx", "损坏"),
    ("notes.txt", "不像是一份政府信息公开工作年度报告"),
    ("letter.docx", "不像是一份政府信息公开工作年度报告"),
    ("big.txt", "文件过大"),
])
def test_unreadable_input_exits_2_with_a_reason(tmp_path, name, words):
    path = _bad_inputs(tmp_path)[name]
    out = nianbao("check", str(path))
    assert out.returncode == 2
    assert words in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    imp = nianbao("import", str(path), "-o", str(tmp_path / "out.json"))
    assert imp.returncode == 2 and "Traceback" not in imp.stderr
    assert not (tmp_path / "out.json").exists()


def test_missing_file_and_bad_deadline(tmp_path):
    out = nianbao("check", str(tmp_path / "nope.docx"))
    assert out.returncode == 2 and "无法读取" in out.stderr
    out = nianbao("check", "--deadline", "31/01/2025", str(CIYING))
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr


def test_unreadable_file_does_not_hide_the_others(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = nianbao("check", "--json", str(empty), str(SAMPLES / "township-2023-shandong-caohe.txt"))
    assert out.returncode == 2
    files = json.loads(out.stdout)["files"]
    assert files[0]["error"] and files[1]["unit"] == "济宁市兖州区漕河镇人民政府"


def test_import_writes_schema_json_and_reports_what_it_could_not_read(tmp_path):
    out_file = tmp_path / "ciying.json"
    out = nianbao("import", str(CIYING), "-o", str(out_file))
    assert out.returncode == 0
    assert "表格中有5个格子是空的或无法读取" in out.stderr
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    assert doc["table3"]["NEW"]["NP"] == 1 and doc["table4"]["RV"]["M"] is None
    # the JSON checks exactly like the source
    a = json.loads(nianbao("check", "--json", str(out_file)).stdout)["files"][0]["findings"]
    b = json.loads(nianbao("check", "--json", str(CIYING)).stdout)["files"][0]["findings"]
    assert a == b


def test_json_with_bad_cells_is_checked_not_refused(tmp_path):
    doc = zero_report().to_dict()
    doc["table3"]["NEW"]["NP"] = -2
    doc["table4"]["RV"]["M"] = "/"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = nianbao("check", "--json", str(path))
    assert out.returncode == 1
    found = {(f["rule"], tuple(f["cells"])) for f in json.loads(out.stdout)["files"][0]["findings"]}
    assert ("E-INT", ("table3.NEW.NP",)) in found and ("E-INT", ("table4.RV.M",)) in found


# ---- a Word file with real merged tables, filled in as a clerk would fill the official template ----


def _fill_template(path: Path, values: dict[str, object]) -> None:
    document = docx.Document(str(shared("data/official-blank-format-2021.docx")))
    paragraphs = document.paragraphs
    paragraphs[0].text = "测试镇人民政府2024年政府信息公开工作年度报告"
    texts = iter([
        "（一）主动公开政府信息情况\n本年度主动公开信息120条。",
        "一是公开不够全面；二是更新不及时。下一步，我镇将加强培训，完善机制。",
        "本机关2024年度未收取政府信息公开信息处理费。",
    ])
    for p in paragraphs:
        if p.text.startswith("（文字描述"):
            p.text = next(texts)
    t2, t3, t4 = document.tables
    seq2 = [values[k] for k in ("REG.made", "REG.repealed", "REG.valid", "NORM.made", "NORM.repealed", "NORM.valid")]
    for i, row in enumerate((2, 3)):
        for j in range(3):
            t2.rows[row].cells[1 + j].text = str(seq2[i * 3 + j])
    for row, key in ((6, "LIC"), (9, "PUN"), (10, "COE"), (13, "FEE")):
        t2.rows[row].cells[1].text = str(values[key])
    for r, row in enumerate(t3.rows[3:]):
        tcs = row._tr.tc_lst
        for c in range(7):
            cell_tc = tcs[len(tcs) - 7 + c]
            from docx.table import _Cell

            _Cell(cell_tc, t3).text = str(values[f"t3.{r}.{c}"])
    for c, tc in enumerate(t4.rows[3]._tr.tc_lst):
        from docx.table import _Cell

        _Cell(tc, t4).text = str(values[f"t4.{c}"])
    document.save(str(path))


def test_word_file_with_merged_tables_imports_cell_by_cell(tmp_path, fmt):
    report = zero_report(2024)
    keys = fmt.table3.row_keys
    n = 0
    for row in keys:
        for col in fmt.table3.col_keys:
            n += 1
            report.cells[f"table3.{row}.{col}"] = n  # distinct numbers catch any shift of rows or columns
    for g, group in enumerate(fmt.table4.row_keys):
        for m, member in enumerate("MCOPT"):
            report.cells[f"table4.{group}.{member}"] = 500 + g * 5 + m
    values: dict[str, object] = {
        "REG.made": 0, "REG.repealed": 0, "REG.valid": 0, "NORM.made": 3, "NORM.repealed": 1, "NORM.valid": 12,
        "LIC": 41, "PUN": 7, "COE": 2, "FEE": "1.25",
    }
    for r, row in enumerate(keys):
        for c, col in enumerate(fmt.table3.col_keys):
            values[f"t3.{r}.{c}"] = report.cells[f"table3.{row}.{col}"]
    for i in range(15):
        values[f"t4.{i}"] = report.cells[f"table4.{fmt.table4.row_keys[i // 5]}.{'MCOPT'[i % 5]}"]
    path = tmp_path / "filled.docx"
    _fill_template(path, values)
    result = import_path(path)
    got = result.report
    assert got.unit["name"] == "测试镇人民政府" and got.year == 2024
    for cell in fmt.cells():
        if cell.table == "table2":
            key = cell.path.removeprefix("table2.")
            want = values[key]
            assert str(got.cells[cell.path]) == str(want), cell.path
        else:
            assert got.cells[cell.path] == report.cells[cell.path], cell.path
    assert got.text["other"] == "本机关2024年度未收取政府信息公开信息处理费。"
    assert result.findings == []
    # arithmetic rules see the (deliberately inconsistent) numbers
    assert any(f.rule == "E-T3-COLSUM" for f in validate(got))


def test_word_file_with_blank_and_slash_cells(tmp_path, fmt):
    values: dict[str, object] = {k: 0 for k in ("REG.made", "REG.repealed", "REG.valid", "NORM.made",
                                                 "NORM.repealed", "NORM.valid", "LIC", "PUN", "COE", "FEE")}
    values.update({f"t3.{r}.{c}": 0 for r in range(25) for c in range(7)})
    values.update({f"t4.{i}": 0 for i in range(15)})
    values["PUN"] = "/"
    values["t3.0.0"] = ""
    values["t4.3"] = "1.5"
    path = tmp_path / "blanks.docx"
    _fill_template(path, values)
    result = import_path(path)
    findings = validate(result.report, problems=result.problems)
    named = {(f.rule, tuple(f.cells)) for f in findings}
    assert ("E-BLANK", ("table2.PUN",)) in named
    assert ("E-BLANK", ("table3.NEW.NP",)) in named
    assert ("E-INT", ("table4.RV.P",)) in named


def test_render_command(tmp_path):
    doc = zero_report(2024).to_dict()
    src = tmp_path / "r.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = nianbao("render", str(src), "-o", str(tmp_path / "r.docx"))
    assert out.returncode == 0 and (tmp_path / "r.docx").exists()
    assert import_path(tmp_path / "r.docx").report.unit["name"] == "测试镇人民政府"
    # a report with errors is refused unless --draft
    blocked = nianbao("render", str(CIYING), "-o", str(tmp_path / "c.docx"))
    assert blocked.returncode == 1 and "E-BLANK" in blocked.stderr and not (tmp_path / "c.docx").exists()
    draft = nianbao("render", str(CIYING), "-o", str(tmp_path / "c.docx"), "--draft")
    assert draft.returncode == 0 and (tmp_path / "c.docx").exists()


def test_the_command_line_speaks_chinese_only():
    missing = nianbao("render")
    assert missing.returncode == 2 and "缺少参数" in missing.stderr and "required" not in missing.stderr
    assert "用法：" in missing.stderr and "usage" not in missing.stderr
    unknown = nianbao("bogus")
    assert "无效的选项" in unknown.stderr and "invalid choice" not in unknown.stderr
    planned = nianbao("reminders", "plan", "--deadline", "2027-01-31", "--from", "2027-01-20")
    assert planned.returncode == 0 and "截止当天" in planned.stdout and "逾期第1个工作日" in planned.stdout
    assert "before-" not in planned.stdout and "late-" not in planned.stdout
