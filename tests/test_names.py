"""Names from people never become spreadsheet formulas, and one check of a unit's name on every way in:
typed at onboarding, /addunit, read from an uploaded report."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest
from conftest import SAMPLES
from driver import Clerk, make_service
from factories import zero_report
from openpyxl import Workbook, load_workbook
from roles import build_county, fill_complete
from sqlmodel import select

from bot.channels.cli.commands import main
from bot.core.limits import UNIT_NAME_RULE, unit_name_problem
from bot.core.sheets import keep_text
from bot.interview.parse import AnswerError, unit_name
from bot.storage.models import County, Unit

FORMULA = '=HYPERLINK("http://evil.example/","点击")'  # within 40 characters


def formulas(xlsx: bytes) -> list[bytes]:
    """The formula elements of every sheet of a workbook, as written."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return [f for n in z.namelist() if n.startswith("xl/worksheets/") for f in re.findall(rb"<f>.*?</f>", z.read(n))]


@pytest.mark.parametrize("text", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", FORMULA])
def test_every_text_a_spreadsheet_could_take_for_a_formula_is_written_as_text(text):
    book = Workbook()
    book.active.append([text, "次营镇人民政府", 3])
    keep_text(book)
    out = io.BytesIO()
    book.save(out)
    assert formulas(out.getvalue()) == []
    cell = load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert load_workbook(io.BytesIO(out.getvalue())).active["C1"].value == 3


def test_collect_writes_a_unit_and_county_named_like_a_formula_as_text(tmp_path):
    county = build_county(tmp_path)
    fill_complete(county.clerk)
    with county.service.repo.transaction() as store:  # stored by an older release, or by hand
        store.session.get(Unit, county.unit_id).name = FORMULA  # type: ignore[union-attr]
        unit = store.session.get(Unit, county.unit_id)
        store.session.get(County, unit.county_id).name = "=1+1"  # type: ignore[union-attr]
    county.coordinator.say("/collect")
    _, data = county.coordinator.document()  # type: ignore[misc]
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("汇总表.xlsx")
    assert formulas(sheet) == []
    rows = list(load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("=1+1")
    assert any(r[1] == FORMULA for r in rows[2:])


def test_check_xlsx_writes_a_file_named_like_a_formula_as_text(tmp_path):
    folder = tmp_path / "各单位"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "township-2023-shanxi-ciying.txt", folder / "=1+2.txt")
    (folder / "@SUM(A1).pdf").write_bytes(b"%PDF-1.4 broken")
    out = tmp_path / "审查结果.xlsx"
    main(["check", str(folder), "--xlsx", str(out)])
    assert formulas(out.read_bytes()) == []
    names = {r[0] for r in load_workbook(out)["审查结果"].iter_rows(min_row=2, values_only=True)}
    assert names == {"=1+2.txt", "@SUM(A1).pdf"}


@pytest.mark.parametrize("name", ["=1+2镇人民政府", "+次营镇", "-次营镇", "@次营镇", "次营镇<b>", "次营镇/办", "镇" * 41, "甲", "abc", "次营镇\x07"])
def test_one_check_of_a_unit_name(name):
    assert unit_name_problem(name) == UNIT_NAME_RULE
    with pytest.raises(AnswerError, match="单位名称应为2到40个字"):
        unit_name(name)


@pytest.mark.parametrize("name", ["次营镇人民政府", "阳城县教育局", "北京市朝阳区人民政府（区政府办公室）", "镇" * 40, "3号镇"])
def test_real_unit_names_pass(name):
    assert unit_name_problem(name) is None


def test_addunit_refuses_a_formula_and_a_name_past_40_characters(tmp_path):
    county = build_county(tmp_path)
    for name in (FORMULA.replace(" ", ""), "次营镇" + "镇" * 45):
        county.coordinator.say(f"/addunit {name}")
        assert UNIT_NAME_RULE in county.coordinator.texts()
    with county.service.repo.transaction() as store:
        names = [u.name for u in store.session.exec(select(Unit)).all()]
    assert not any(n.startswith("=") or len(n) > 40 for n in names)


def test_an_uploaded_report_naming_its_unit_like_a_formula_creates_no_unit(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service, "newclerk")
    clerk.say("/start")
    clerk.upload("report.json", zero_report(2025, "=1+2镇人民政府").to_json().encode())
    assert UNIT_NAME_RULE in clerk.texts() and "已保存的内容没有任何改动" in clerk.texts()
    with service.repo.transaction() as store:
        assert store.session.exec(select(Unit)).all() == []
    clerk.upload("report.json", zero_report(2025, "次营镇人民政府").to_json().encode())
    with service.repo.transaction() as store:
        assert [u.name for u in store.session.exec(select(Unit)).all()] == ["次营镇人民政府"]
