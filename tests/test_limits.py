"""One set of limits for every way in: typed, a JSON upload in the bot, `nianbao import`/`render`, a .txt
report. A value out of range is refused with one Chinese line naming the field, and nothing saved changes."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from conftest import SAMPLES
from driver import Clerk, make_service, onboard
from factories import zero_report
from openpyxl import load_workbook
from roles import build_county, fill_complete
from sqlalchemy import update
from test_cli import nianbao
from webharness import Server, build_world

from bot.core.limits import MAX_COUNT, check_values
from bot.core.report import ReportError, load_report_json
from bot.importer import UnreadableError, import_bytes
from bot.storage.models import Answer, Unit

CIYING = SAMPLES / "township-2023-shanxi-ciying.txt"


def _doc(**changes: Any) -> dict[str, Any]:
    doc = json.loads(zero_report(2026, "次营镇人民政府").to_json())
    for path, value in changes.items():
        node = doc
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return doc


def _stored(clerk: Clerk) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Every answer of every report, and every unit's name, level and county: what an upload must not change."""
    with clerk.service.repo.transaction() as store:
        from sqlmodel import select

        from bot.storage.models import Answer

        answers = {(a.report_id, a.key): a.value for a in store.session.exec(select(Answer)).all()}
        units = [(u.name, u.level, u.county) for u in store.session.exec(select(Unit)).all()]
    return answers, units  # type: ignore[return-value]


@pytest.fixture
def clerk(tmp_path) -> Clerk:
    clerk = Clerk(make_service(tmp_path))
    onboard(clerk)
    clerk.say("/menu")
    return clerk


def _refused_upload(clerk: Clerk, data: bytes, *words: str) -> str:
    before = _stored(clerk)
    clerk.upload("report.json", data)
    reply = clerk.texts()
    assert "已保存的内容没有任何改动" in reply and "出错" not in reply, reply
    assert len(reply) < 300, reply  # one line of reason, not the value echoed back
    for word in words:
        assert word in reply, reply
    assert _stored(clerk) == before
    return reply


def test_a_unit_name_of_300000_characters_is_refused(clerk):
    data = json.dumps(_doc(**{"unit.name": "镇" * 300_000}), ensure_ascii=False).encode()
    _refused_upload(clerk, data, "单位名称", "最多40字")


def test_a_fee_of_1e100000_is_refused_in_a_cell_and_in_the_fee_item(clerk):
    text = json.dumps(_doc(**{"table2.FEE": "HUGE"}), ensure_ascii=False).replace('"HUGE"', "1e100000")
    _refused_upload(clerk, text.encode(), "table2.FEE")
    doc = _doc(profile="shandong", info_fee={"cases": 1, "amount_yuan": "HUGE"})
    text = json.dumps(doc, ensure_ascii=False).replace('"HUGE"', "1e100000")
    _refused_upload(clerk, text.encode(), "信息处理费金额")


@pytest.mark.parametrize("path", ["profile", "unit.level"])
def test_profile_or_level_as_an_object_is_refused_with_a_message(clerk, path):
    data = json.dumps(_doc(**{path: {"a": [1, 2]}}), ensure_ascii=False).encode()
    _refused_upload(clerk, data, path)


def test_a_count_of_400_digits_is_refused(clerk):
    data = json.dumps(_doc(**{"table3.NEW.NP": 10**400}), ensure_ascii=False).encode()
    _refused_upload(clerk, data, "table3.NEW.NP", f"不应超过{MAX_COUNT}")


def test_every_field_is_checked_the_same_way_by_the_json_reader():
    cases = {
        "unit.address": "路" * 201,
        "text.problems": "字" * 20_001,
        "info_fee": {"cases": MAX_COUNT + 1, "amount_yuan": 1},
        "table2.LIC": MAX_COUNT + 1,
        "table2.FEE": "100000000.01",
        "year": 10**400,
    }
    for path, value in cases.items():
        doc = _doc(**{path: value})
        with pytest.raises(ReportError) as info:
            load_report_json(json.dumps(doc, ensure_ascii=False))
        assert info.value.path.startswith(path.split(".")[0]) and "\n" not in str(info.value), (path, info.value)
    report, _ = load_report_json(json.dumps(_doc(**{"table2.LIC": MAX_COUNT, "table2.FEE": "100000000"})))
    assert report.cells["table2.LIC"] == MAX_COUNT  # the limits themselves are allowed


def test_typed_answers_meet_the_same_limits(clerk):
    clerk.say("/menu")
    clerk.tap("2. 表二 主动公开")
    clerk.tap("有，逐项填写")
    before = _stored(clerk)
    clerk.say(f"{MAX_COUNT + 1} 0 0")
    assert f"超过{MAX_COUNT}" in clerk.texts() and _stored(clerk) == before
    problem = check_values({"unit.name": "镇" * 41}, zero_report().format)
    assert problem is not None and problem.key == "unit.name" and "最多40字" in problem.message


def test_a_text_report_with_an_overlong_section_is_refused_naming_the_field():
    text = CIYING.read_text(encoding="utf-8")
    heading = text.index("\n", text.index("五、存在的主要问题及改进情况"))
    long = text[: heading + 1] + "改" * 20_001 + "\n" + text[heading + 1 :]
    with pytest.raises(UnreadableError) as info:
        import_bytes(long.encode(), "long.txt")
    assert "「五、存在的主要问题及改进情况」太长了" in str(info.value) and "\n" not in str(info.value)
    assert import_bytes(text.encode(), "ok.txt").report.unit["name"] == "次营镇人民政府"


def test_import_and_render_refuse_out_of_range_json_in_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_doc(**{"unit.level": {"x": 1}}), ensure_ascii=False), encoding="utf-8")
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps(_doc(**{"unit.name": "镇" * 300_000}), ensure_ascii=False), encoding="utf-8")
    for args in (("import", str(bad), "-o", str(tmp_path / "x.json")), ("render", str(huge), "-o", str(tmp_path / "x.docx"))):
        out = nianbao(*args)
        assert out.returncode == 2, out
        assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
        assert ("unit.level" in out.stderr or "单位名称" in out.stderr) and len(out.stderr) < 400
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "x.docx").exists()


def test_a_unit_stored_past_the_limits_is_listed_with_the_reason_and_the_others_collected(tmp_path):
    county = build_county(tmp_path)
    fill_complete(county.clerk)
    fill_complete(county.other_clerk, name="北留镇人民政府")
    bad = county.record(county.other_unit_id)
    with county.service.repo.transaction() as store:  # past the limits, as a hand-edited database would be
        store.set_answers(bad.id, {"table3.NEW.NP": 10**400, "table2.FEE": "1e100000"}, None)  # type: ignore[arg-type]
        store.session.get(Unit, county.other_unit_id).name = "北留镇" + "镇" * 300_000  # type: ignore[union-attr]
    coordinator = county.coordinator

    coordinator.say("/dashboard")
    assert len(coordinator.last.replies) == 1 and len(coordinator.texts()) < 2000
    line = next(ln for ln in coordinator.texts().splitlines() if ln.startswith(f"#{county.other_unit_id} "))
    assert "无法汇总：「单位名称」太长了" in line
    assert any(ln.startswith(f"#{county.unit_id} 次营镇人民政府｜") and "无法汇总" not in ln for ln in coordinator.texts().splitlines())

    with county.service.repo.transaction() as store:  # the name back within the limits: the count is named next
        store.session.get(Unit, county.other_unit_id).name = "北留镇人民政府"  # type: ignore[union-attr]
    coordinator.say("/collect")
    name, data = coordinator.document()  # type: ignore[misc]
    assert "北留镇人民政府：表" in coordinator.texts()
    rows = list(load_workbook(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("汇总表.xlsx"))).active.iter_rows(values_only=True))
    header = rows[1]
    units = {r[1]: dict(zip(header, r, strict=True)) for r in rows[2:-1]}
    assert units["北留镇人民政府"]["说明"].startswith("无法汇总：表") and units["北留镇人民政府"]["本年新收申请"] is None
    assert units["次营镇人民政府"]["本年新收申请"] == 0 and units["次营镇人民政府"]["说明"] is None

    coordinator.say(f"/open {county.other_unit_id}")
    assert "保存的数据无法显示" in coordinator.texts() and "请该单位的填报人改正" in coordinator.texts()


def test_a_stored_value_that_is_not_even_json_is_named_not_fatal(tmp_path):
    county = build_county(tmp_path)
    fill_complete(county.clerk)
    fill_complete(county.other_clerk, name="北留镇人民政府")
    bad = county.record(county.other_unit_id)
    with county.service.repo.transaction() as store:
        store.session.execute(
            update(Answer).where(Answer.report_id == bad.id, Answer.key == "table2.LIC").values(value="9" * 5000)  # type: ignore[arg-type]
        )
        store.session.execute(
            update(Answer).where(Answer.report_id == bad.id, Answer.key == "text.problems").values(value="[" * 100_000)  # type: ignore[arg-type]
        )
    county.coordinator.say("/dashboard")
    text = county.coordinator.texts()
    line = next(ln for ln in text.splitlines() if ln.startswith(f"#{county.other_unit_id} 北留镇人民政府｜"))
    assert "无法汇总：" in line and ("行政许可" in line or "五、存在的主要问题" in line)
    county.coordinator.say("/collect")
    assert county.coordinator.document() is not None


def test_the_web_county_page_names_the_unit_that_cannot_be_summarised(tmp_path):
    server = Server(make_service(tmp_path))
    try:
        world = build_world(server)
        with server.state.repo.transaction() as store:
            record = store.report_for(world.other_unit_id, 2026)
            store.set_answers(record.id, {"table2.LIC": 10**400}, None)  # type: ignore[arg-type, union-attr]
        page = world.coordinator.get("/county")
        assert page.status == 200 and "无法汇总：表二「行政许可」本年处理决定数量太大了" in page.text and "次营镇人民政府" in page.text
        unit = world.coordinator.get(f"/county/unit/{world.other_unit_id}")
        assert unit.status == 200 and "保存的数据无法显示" in unit.text
        collected = world.coordinator.form("/county/collect", {})
        assert collected.status == 200 and "汇总表.xlsx" in zipfile.ZipFile(io.BytesIO(collected.body)).namelist()

        values = {f"table2.{r}.{c}": "0" for r in ("NORM", "REG") for c in ("made", "repealed", "valid")}
        values |= {"table2.LIC": "0", "table2.PUN": "0", "table2.COE": "0", "table2.FEE": "0"}
        for key, bad in (("table2.LIC", "9" * 5000), ("table2.FEE", "1e100000")):  # the grids meet the same limits
            refused = world.clerk.api("/api/grid/table2", {"values": values | {key: bad}})
            assert refused.status == 400 and ("太大了" in refused.json()["error"] or "不是金额" in refused.json()["error"])
    finally:
        server.stop()
