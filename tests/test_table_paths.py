"""One path for every way of entering 表三: a row per message, "行名 + 数字", a pasted table, an upload.

Same parse, same checks, same confirmation: a stated total that disagrees with its parts is refused and
named, never stored; the header of a paste is ignored; a paste ends with the table's check and the next
question; a first entry is "已填入", not "已修改"; a part is ✔ only without errors; every confirmation
says what the database holds afterwards.
"""

from __future__ import annotations

import re

import pytest
from driver import Clerk, button_labels, make_service, onboard
from factories import zero_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.channels.wiring import docx_bytes
from bot.format.definition import load_format
from bot.storage.models import ReportRecord

FMT = load_format()
HEADER = "申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计"


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def stored(service, year: int = 2026) -> dict:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.year == year)).one()
        return store.answers(record.id)


def row_of(answers: dict, key: str) -> list:
    return [answers.get(f"table3.{key}.{c}") for c in FMT.table3.col_keys]


def to_paste(clerk: Clerk) -> None:
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("粘贴整张表")


def table_lines(values: dict[str, list[int]]) -> list[str]:
    """Table 三 as typed lines, one row each: the row's name, six counts and the total."""
    lines = []
    leaves = FMT.table3.leaves()
    values = values | {"TOTAL": [sum(values.get(k, [0] * 6)[i] for k in leaves) for i in range(6)]}
    for row in FMT.table3.data_rows:
        counts = values.get(row.key, [0] * 6)
        lines.append(f"{row.name} {' '.join(map(str, counts))} {sum(counts)}")
    return lines


def echoed(text: str, name: str) -> list[int]:
    """The seven numbers a confirmation gives for a row."""
    m = re.search(rf"[“「]{re.escape(name)}[”」]：([\d ]+)，总计(\d+)", text)
    assert m, (name, text)
    return [int(v) for v in m.group(1).split()] + [int(m.group(2))]


def test_a_stated_total_that_disagrees_is_refused_and_named_on_every_path(service):
    clerk = Clerk(service)
    to_paste(clerk)
    clerk.say("（一）予以公开 21 0 0 0 0 0 22")  # "行名 + 数字"
    assert "予以公开" in clerk.texts() and "21≠22" in clerk.texts() and "尚未保存" in clerk.texts()
    assert row_of(stored(service), "OPEN") == [None] * 7  # never stored as 22, nor as 21
    lines = table_lines({"NEW": [21, 0, 0, 0, 0, 0], "OPEN": [21, 0, 0, 0, 0, 0]})
    lines[2] = "（一）予以公开 21 0 0 0 0 0 22"
    clerk.say("\n".join(lines))  # pasted: the other rows are stored, this one is refused and named
    assert "以下没有保存" in clerk.texts() and "“予以公开”：总计应为21+0+0+0+0+0=21，您写的是22（21≠22）" in clerk.texts()
    answers = stored(service)
    assert row_of(answers, "OPEN") == [None] * 7 and row_of(answers, "NEW") == [21, 0, 0, 0, 0, 0, 21]
    assert "表三还缺1行：予以公开" in clerk.texts()  # and the same question again
    clerk.say("（一）予以公开 21 0 0 0 0 0 21")
    assert row_of(stored(service), "OPEN") == [21, 0, 0, 0, 0, 0, 21]


def test_a_wrong_grand_total_row_is_refused_not_stored_over_the_rows(service):
    clerk = Clerk(service)
    to_paste(clerk)
    lines = table_lines({"NEW": [2, 0, 0, 0, 0, 0], "OPEN": [2, 0, 0, 0, 0, 0]})
    total_line = next(i for i, line in enumerate(lines) if line.startswith("（七）总计"))
    lines[total_line] = "（七）总计 3 0 0 0 0 0 3"
    clerk.say("\n".join(lines))
    assert "“（七）总计”：自然人列写的是3，按各办理结果之和应为2" in clerk.texts()
    assert row_of(stored(service), "TOTAL") == [2, 0, 0, 0, 0, 0, 2]  # computed from the rows, never the stated 3


def test_a_paste_with_its_header_ends_with_the_check_and_the_next_question(service):
    clerk = Clerk(service)
    to_paste(clerk)
    clerk.say(HEADER)  # a header line alone (a paste split over messages): ignored, no error
    assert "这是表头，已忽略" in clerk.texts() and "尚未保存" not in clerk.texts()
    values = {"NEW": [1, 0, 0, 0, 0, 0], "OPEN": [1, 0, 0, 0, 0, 0]}
    clerk.say("\n".join([HEADER, *table_lines(values)]))
    text = clerk.texts()
    assert "已读取整张表三（25行）" in text and "表头已忽略" in text
    assert "表三检查通过" in text and "【第 4/9 部分 · 表四 复议诉讼 · 次营镇人民政府 2026年度】" in text  # the check, then the next question
    answers = stored(service)
    for row in FMT.table3.data_rows:  # every confirmation is what the database holds
        if row.key != "TOTAL":
            assert echoed(text, row.name) == row_of(answers, row.key)
    assert "已修改" not in text  # first entries


def test_an_unbalanced_table_is_not_ticked_in_the_menu(service):
    clerk = Clerk(service)
    to_paste(clerk)
    clerk.say("\n".join(table_lines({"NEW": [2, 0, 0, 0, 0, 0], "OPEN": [1, 0, 0, 0, 0, 0]})))  # 2 received, 1 handled
    assert "表三有" in clerk.texts() and "需要改正" in clerk.texts()
    assert all(v is not None for c in FMT.cells() if c.table == "table3" for v in [stored(service)[c.path]])
    clerk.say("/menu")
    assert "3. 表三 依申请公开" in button_labels(clerk) and "✔ 3. 表三 依申请公开" not in button_labels(clerk)
    clerk.say("/status")
    assert "○表三 依申请公开" in clerk.texts()
    clerk.say("结转下年度 1 0 0 0 0 0")  # the fix, by row name, at the check
    assert "已修改“结转下年度”：1 0 0 0 0 0，总计1（原为 0 0 0 0 0 0，总计0）" in clerk.texts()
    clerk.say("/menu")
    assert "✔ 3. 表三 依申请公开" in button_labels(clerk)


def test_rows_one_by_one_first_entry_and_change(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("有，按行填写")
    clerk.say("3 1 0 0 0 0")
    assert "已填入“本年新收”：3 1 0 0 0 0，总计4。" in clerk.texts()
    clerk.say("本年新收 3 1 0 0 0 0 4")  # the same again, by name
    assert "“本年新收”未变" in clerk.texts()
    clerk.say("本年新收 3 2 0 0 0 0")
    assert "已修改“本年新收”：3 2 0 0 0 0，总计5（原为 3 1 0 0 0 0，总计4）" in clerk.texts()
    assert row_of(stored(service), "NEW") == [3, 2, 0, 0, 0, 0, 5]
    clerk.say("其他 1 0 0 0 0 0")  # a bare 其他 is 3.其他 of （六）其他处理
    assert "已填入「其他处理中的“其他”」：1 0 0 0 0 0，总计1" in clerk.texts()
    assert row_of(stored(service), "OTH3") == [1, 0, 0, 0, 0, 0, 1]
    clerk.say("/back")  # in the rows flow: the row before
    assert "回到上一行" in clerk.texts() and "表三第1/24行" in clerk.texts()


def test_upload_of_last_year_echoes_the_carried_over_count_it_stored(service):
    clerk = Clerk(service)
    onboard(clerk)
    last = zero_report(2025, "次营镇人民政府")
    for col in ("NP", "SUM"):
        for row in ("NEW", "FWD"):
            last.cells[f"table3.{row}.{col}"] = 1
    clerk.upload("次营镇人民政府2025年政府信息公开工作年度报告.docx", docx_bytes(last, "定稿"))
    assert "填好（1件）" in clerk.texts()  # was: 2件 (the total column counted twice)
    assert stored(service)["table3.CARRY.SUM"] == 1 and stored(service)["table3.CARRY.NP"] == 1


ROWS = [r for r in FMT.table3.data_rows if r.key != "TOTAL"]
line = st.tuples(
    st.sampled_from(ROWS),
    st.lists(st.integers(0, 30), min_size=6, max_size=6),
    st.one_of(st.none(), st.integers(0, 200)),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.one_of(line, st.sampled_from(["2", "0", "abc", HEADER])), min_size=1, max_size=8))
def test_whatever_is_typed_the_stored_rows_are_what_the_confirmations_said(tmp_path_factory, entries):
    service = make_service(tmp_path_factory.mktemp("db"))
    clerk = Clerk(service)
    to_paste(clerk)
    said: dict[str, list[int]] = {}
    for entry in entries:
        if isinstance(entry, str):
            clerk.say(entry)
        else:
            row, counts, total = entry
            clerk.say(f"{row.name} {' '.join(map(str, counts))}" + (f" {total}" if total is not None else ""))
            if total is not None and total != sum(counts):
                assert f"{sum(counts)}≠{total}" in clerk.texts()
        for row in ROWS:
            if re.search(rf"(已填入|已修改)[“「]{re.escape(row.name)}[”」]", clerk.texts()):
                said[row.key] = echoed(clerk.texts(), row.name)
    answers = stored(service)
    for key, numbers in said.items():
        assert row_of(answers, key) == numbers
    for row in ROWS:
        values = row_of(answers, row.key)
        if None not in values:
            assert values[-1] == sum(values[:-1])  # no stated total is ever stored against its parts
