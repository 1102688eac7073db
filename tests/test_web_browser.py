"""The web page in a real headless Chromium: the scenarios a township and a county live through.

Skipped, with the reason, where Debian's chromium and chromium-driver are not installed (CI installs
them). Downloaded files are read back.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from browser import BrowserPerson, downloaded, wait
from docx import Document
from driver import narratives, onboard
from webharness import Server, account, build_world

TSV_ROWS = {  # 表三 as copied from Excel/WPS: the label, then the six applicant columns
    "本年新收": "3", "予以公开": "2", "部分公开": "1", "结转下年度": "1",  # 结转下年度 is wrong: it should be 0
}


def login(person: BrowserPerson, name: str) -> None:
    person.open("/login")
    person.fill_form({"login": name, "password": "correct-horse-1"})
    wait(lambda: person.count() > 0, what="the chat page")


def test_all_zero_township_from_setup_link_to_docx_review_and_collection(server: Server, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    downloads = tmp_path / "downloads"
    person = BrowserPerson(driver, server.url)
    password = {"password": "correct-horse-1", "password2": "correct-horse-1"}
    # The operator opens the set-up link `nianbao web` printed, and creates the county.
    person.open(server.setup_path())
    person.fill_form({"login": "管理员"} | password)
    wait(lambda: "/operator" in driver.current_url, what="the operator page")
    person.fill_form({"name": "阳城县"})
    link = wait(lambda: driver.find_element(By.ID, "invite-link").get_attribute("value"), what="the invite link")
    person.logout()
    # The coordinator joins and adds the township.
    person.open(link.removeprefix(server.url))
    person.fill_form({"login": "阳城协调人"} | password)
    person.say("/addunit 次营镇人民政府")
    added = person.last_text()
    clerk_link, reviewer_link = (next(w for w in line.split("：", 1)[1].split() if "/join/" in w) for line in added.splitlines()
                                 if line.startswith(("填报人", "审核人")))
    person.logout()
    person.open(reviewer_link.removeprefix(server.url))
    person.fill_form({"login": "次营审核"} | password)
    wait(lambda: person.count() > 0)
    person.logout()
    # The township's clerk: every table zero, the narratives, the document.
    person.open(clerk_link.removeprefix(server.url))
    person.fill_form({"login": "次营填报"} | password)
    person.tap("全部为0")
    person.tap("没有，全部为0")
    person.tap("没有，全部为0")
    narratives(person)
    person.say("/docx")
    driver.find_element(By.XPATH, "(//a[contains(@class,'doc') and contains(@download,'.docx')])[last()]").click()  # not the PDF beside it
    docx = downloaded(downloads, ".docx")
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "次营镇人民政府" in text and "政府信息公开工作年度报告" in text
    person.tap("提交审核")
    person.logout()
    # The reviewer returns it with a comment on one cell.
    login(person, "次营审核")
    person.say("/review")
    person.tap("添加意见")
    person.tap("表三 依申请公开")
    person.say("本年新收 自然人：请核对台账，应为1件")
    person.tap("退回修改")
    assert "已退回修改" in person.all_text()
    person.logout()
    # The clerk sees the comment at that cell of the grid.
    login(person, "次营填报")
    cell = wait(lambda: driver.find_element(By.CSS_SELECTOR, "td.commented[data-path='table3.NEW.NP']"), what="the commented cell")
    assert "请核对台账" in cell.get_attribute("title")
    assert "请核对台账" in driver.find_element(By.ID, "findings").text
    person.logout()
    # The coordinator downloads the collection from the dashboard.
    login(person, "阳城协调人")
    person.open("/county")
    assert "次营镇人民政府" in driver.find_element(By.ID, "dashboard").text
    driver.find_element(By.CSS_SELECTOR, "#dashboard th:nth-child(2)").click()  # sortable
    driver.find_element(By.ID, "collect").click()
    archive = zipfile.ZipFile(io.BytesIO(downloaded(downloads, ".zip").read_bytes()))
    sheet = next(n for n in archive.namelist() if n.endswith(".xlsx"))
    from openpyxl import load_workbook

    rows = [[c for c in r if c is not None] for r in load_workbook(io.BytesIO(archive.read(sheet))).active.iter_rows(values_only=True)]
    assert any("次营镇人民政府" in map(str, r) for r in rows)


def test_table3_pasted_from_tab_separated_text_wrong_cell_highlighted_and_fixed(server: Server, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    world = build_world(server)
    world.clerk.tap("全部为0")  # 表二: now at 表三
    person = BrowserPerson(driver, server.url)
    login(person, "次营填报")
    first = wait(lambda: driver.find_element(By.CSS_SELECTOR, "input[data-path='table3.NEW.NP']"), what="the 表三 grid")
    labels = [r["label"] for r in world.clerk.get("/api/grid").json()["layout"]["table3"]["rows"] if r["key"] != "TOTAL"]
    tsv = "\n".join(f"{label}\t{TSV_ROWS.get(label, '0')}\t0\t0\t0\t0\t0" for label in labels)
    driver.execute_script(
        "var dt = new DataTransfer(); dt.setData('text/plain', arguments[1]);"
        "arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));",
        first, tsv)
    assert driver.find_element(By.CSS_SELECTOR, "input[data-path='table3.FWD.NP']").get_attribute("value") == "1"
    # Totals are computed as the clerk types, before anything is saved.
    assert driver.find_element(By.CSS_SELECTOR, "td[data-path='table3.TOTAL.NP']").text == "3"
    assert driver.find_element(By.CSS_SELECTOR, "td[data-path='table3.NEW.SUM']").text == "3"
    driver.find_element(By.ID, "grid-save").click()
    bad = wait(lambda: driver.find_element(By.CSS_SELECTOR, "td.bad[data-path='table3.FWD.NP']"), what="the wrong cell highlighted")
    assert "结转下年度" in bad.get_attribute("title")
    assert "应等于" in driver.find_element(By.ID, "findings").text
    fix = driver.find_element(By.CSS_SELECTOR, "input[data-path='table3.FWD.NP']")
    fix.clear()
    fix.send_keys("0")
    driver.find_element(By.ID, "grid-save").click()
    wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "td.bad") and "已保存" in driver.find_element(By.ID, "grid-note").text,
         what="no cell highlighted after the fix")
    saved = world.clerk.get("/api/grid").json()["values"]
    assert saved["table3.NEW.NP"] == "3" and saved["table3.FWD.NP"] == "0" and saved["table3.TOTAL.NP"] == "3"
    assert "已修改“结转下年度”" in driver.find_element(By.ID, "grid-note").text  # said beside the grid, as the chat says it
    assert "已修改“结转下年度”" not in person.all_text()  # the chat and its question are left as they were


def test_preview_shows_the_pages_as_pictures_in_the_chat(server: Server, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    from bot.render.pdf import find_soffice

    if find_soffice() is None:
        pytest.skip("needs LibreOffice (apt-get install libreoffice-writer-nogui poppler-utils) to make the pictures")
    account(server, "预览填报")
    person = BrowserPerson(driver, server.url)
    login(person, "预览填报")
    onboard(person, name="测试镇人民政府")
    person.say("/preview")
    assert "正在生成预览" in person.all_text()
    pictures = wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".msg a.page img"), timeout=120, what="the page pictures")
    wait(lambda: all(driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) for img in pictures),
         what="the pictures loaded")
    assert len(pictures) >= 3 and all(driver.execute_script("return arguments[0].naturalWidth", img) > 800 for img in pictures)
    assert "预览：共" in person.all_text()
