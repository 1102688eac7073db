"""A season at the county's desk in real headless Chromium, by forms and buttons only (issue 25): the
coordinator adds three units by form, a clerk joins by the invite link and fills, submits with the button, the
reviewer returns with a comment on a cell, the clerk submits again, the reviewer approves; in December of the
next year the coordinator downloads last year's zip and 汇总表, whose figures are what was entered.

Screenshots of every page go to tmp_path (1366 px and 375 px wide). Skipped where chromium is missing.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from browser import BrowserPerson, downloaded, screenshot, wait
from driver import narratives
from openpyxl import load_workbook
from webharness import Client, Server, county_link, unit_ids

PASSWORD = {"password": "correct-horse-1", "password2": "correct-horse-1"}
NAMES = ["次营镇人民政府", "北留镇人民政府", "润城镇人民政府"]


def login(person: BrowserPerson, name: str) -> None:
    person.open("/login")
    person.fill_form({"login": name, "password": "correct-horse-1"})
    wait(lambda: "/login" not in person.driver.current_url, what="logged in")


def join(person: BrowserPerson, link: str, name: str) -> None:
    person.open(link)
    person.fill_form({"login": name} | PASSWORD)
    wait(lambda: "/join/" not in person.driver.current_url, what="joined")


def by_id(driver: Any, ident: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, ident)


def fits(driver: Any) -> bool:
    """No horizontal scrolling of the page itself (a wide table scrolls in its own box)."""
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_season_at_the_county_desk_by_forms_only(server: Server, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import Select

    shots, downloads = tmp_path / "shots", tmp_path / "downloads"
    person = BrowserPerson(driver, server.url)
    operator = Client(server.url)
    operator.join(server.setup_path(), "管理员")
    join(person, county_link(operator, "阳城县"), "阳城协调人")
    # The coordinator adds three units by pasting their names.
    person.open("/county")
    screenshot(driver, shots / "county-empty-1366.png")
    by_id(driver, "names").send_keys("\n".join(NAMES))
    Select(by_id(driver, "level")).select_by_visible_text("乡镇（街道）")
    by_id(driver, "add").click()
    wait(lambda: "已在阳城县添加3个单位" in driver.page_source, what="the units added")
    screenshot(driver, shots / "added-1366.png")
    assert fits(driver)
    ids = unit_ids(server)
    unit = ids[NAMES[0]]
    clerk_link = by_id(driver, f"link-{unit}-clerk").get_attribute("value").removeprefix(server.url)
    reviewer_link = by_id(driver, f"link-{unit}-reviewer").get_attribute("value").removeprefix(server.url)
    by_id(driver, f"link-{unit}-clerk").click()
    driver.find_element("css selector", f'button[data-copy="link-{unit}-clerk"]').click()
    wait(lambda: "复制" in driver.find_element("css selector", f'button[data-copy="link-{unit}-clerk"]').text)
    person.open("/county")
    assert all(name in driver.page_source for name in NAMES)
    screenshot(driver, shots / "county-1366.png")
    person.logout()
    join(person, reviewer_link, "次营审核")
    person.logout()
    # The clerk joins by the link and fills (all zero), then submits with the button.
    join(person, clerk_link, "次营填报")
    wait(lambda: person.count() > 0, what="the chat")
    assert NAMES[0] in by_id(driver, "desk-year").find_element("xpath", "../..").text
    person.tap("全部为0")
    person.tap("没有，全部为0")
    person.tap("没有，全部为0")
    narratives(person)
    screenshot(driver, shots / "clerk-1366.png")
    by_id(driver, "desk-submit").click()
    wait(lambda: "已提交审核" in person.all_text() or "提交" in person.last_text(), what="submitted")
    person.logout()
    # The reviewer returns it with a comment on a cell (clicked), by the page's form.
    login(person, "次营审核")
    person.open(f"/county/unit/{unit}")
    driver.find_element("css selector", 'td[data-path="table3.NEW.NP"]').click()
    assert by_id(driver, "comment").get_attribute("value") == "本年新收 自然人："
    by_id(driver, "comment").send_keys("请与台账核对")
    screenshot(driver, shots / "review-1366.png")
    by_id(driver, "add-comment").click()
    wait(lambda: "审核意见（表三「本年新收」自然人）：请与台账核对" in driver.page_source, what="the comment")
    by_id(driver, "return").click()
    wait(lambda: "已退回" in driver.page_source or 'id="approve"' not in driver.page_source, what="returned")
    person.logout()
    # The clerk sees it, fixes (submits again after checking).
    login(person, "次营填报")
    wait(lambda: person.count() > 0, what="the chat")
    wait(lambda: "请与台账核对" in driver.page_source, what="the comment at the clerk's")
    by_id(driver, "desk-submit").click()
    wait(lambda: person.count() > 0 and "待审核" in by_id(driver, "desk-year").find_element("xpath", "../..").text, what="in review")
    person.logout()
    login(person, "次营审核")
    person.open(f"/county/unit/{unit}")
    by_id(driver, "approve").click()
    wait(lambda: "已定稿" in driver.page_source, what="approved")
    screenshot(driver, shots / "unit-final-1366.png")
    assert fits(driver)
    driver.execute_script("document.getElementById('section-table3').scrollIntoView()")
    screenshot(driver, shots / "table3-1366.png")
    assert driver.execute_script("var t = document.querySelector('table.table3'); return t.parentNode.scrollWidth <= t.parentNode.clientWidth + 1")
    person.logout()
    # December of the next year: the coordinator downloads last year's zip and 汇总表.
    server.state.clock.set(date(2027, 12, 7))
    login(person, "阳城协调人")
    person.open("/county")
    assert "阳城县2027年度" in driver.page_source
    Select(by_id(driver, "year-select")).select_by_value("2026")
    by_id(driver, "year-go").click()
    wait(lambda: "阳城县2026年度" in driver.page_source, what="2026")
    screenshot(driver, shots / "county-2026-1366.png")
    by_id(driver, "collect").click()
    zipped = downloaded(downloads, ".zip")
    assert zipped.name.startswith("阳城县2026年度政府信息公开工作年度报告汇总")
    by_id(driver, "summary").click()
    sheet_file = downloaded(downloads, ".xlsx")
    assert sheet_file.name == "阳城县2026年度汇总表.xlsx"
    package = zipfile.ZipFile(zipped)
    assert f"{NAMES[0]}2026年政府信息公开工作年度报告.docx" in package.namelist()
    for book in (load_workbook(io.BytesIO(package.read("汇总表.xlsx"))), load_workbook(sheet_file)):
        sheet = book.active
        assert "2026年度" in sheet["A1"].value
        headers = [c.value for c in sheet[2]]
        row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == NAMES[0])
        assert row[headers.index("状态")] == "已定稿"
        figures = row[headers.index("截止日期") + 1 : headers.index("说明")]
        assert figures and all(v == 0 for v in figures)  # every table entered as zero
    # The same pages at phone width.
    driver.set_window_size(375, 800)
    for path, name in (("/county?year=2026", "county-375"), (f"/county/unit/{unit}?year=2026", "unit-375")):
        person.open(path)
        screenshot(driver, shots / f"{name}.png")
        assert fits(driver), name
    driver.execute_script("document.getElementById('section-table3').scrollIntoView()")
    screenshot(driver, shots / "table3-375.png")
    person.logout()
    login(person, "次营填报")
    wait(lambda: person.count() > 0, what="the chat")
    screenshot(driver, shots / "clerk-375.png")
    assert fits(driver)
