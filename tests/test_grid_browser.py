"""The grids in a real headless Chromium (skipped, saying so, without chromium and chromium-driver): a
pasted 表四 row states its total, and a wrong one is refused and named beside the grid; the chat is left
as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser import BrowserPerson, screenshot, wait
from webharness import Server, build_world


def paste(driver: Any, target: Any, text: str) -> None:
    driver.execute_script(
        "var dt = new DataTransfer(); dt.setData('text/plain', arguments[1]);"
        "arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));",
        target, text)


def test_a_pasted_table4_row_with_a_wrong_total_is_refused_and_named(server: Server, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    world = build_world(server)
    world.clerk.tap("全部为0")  # 表二: the chat now asks 表三's question
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "次营填报", "password": "correct-horse-1"})
    wait(lambda: person.count() > 0, what="the chat page")
    chat_before = person.all_text()
    driver.find_element(By.CSS_SELECTOR, ".tabs button[data-table='table4']").click()
    first = wait(lambda: driver.find_element(By.CSS_SELECTOR, "input[data-path='table4.RV.M']"), what="the 表四 grid")
    paste(driver, first, "行政复议 1 0 0 0 2")  # the row's four results and a total that is not their sum
    assert driver.find_element(By.CSS_SELECTOR, "input[data-path='table4.RV.M']").get_attribute("value") == "1"
    driver.find_element(By.ID, "grid-save").click()
    note = wait(lambda: (t := driver.find_element(By.ID, "grid-note").text) and "正在保存" not in t and t, what="the answer")
    assert "行政复议" in note and "您写的是2" in note, note
    assert world.clerk.get("/api/grid").json()["values"]["table4.RV.M"] is None  # nothing stored
    assert driver.find_element(By.CSS_SELECTOR, "input[data-path='table4.RV.M']").get_attribute("value") == "1"  # the edit stays
    paste(driver, first, "1 0 0 0 1")
    driver.find_element(By.ID, "grid-save").click()
    wait(lambda: "已保存" in driver.find_element(By.ID, "grid-note").text, what="the save")
    values = world.clerk.get("/api/grid").json()["values"]
    assert values["table4.RV.M"] == "1" and values["table4.RV.T"] == "1"
    assert person.all_text() == chat_before  # the grid never wrote into the chat


def test_unsaved_edits_are_kept_and_the_page_warns_before_leaving(server: Server, driver: Any) -> None:
    """An edit not yet saved makes the browser ask before leaving; a chat answer does not overwrite it;
    every input is named by its table, row and column for a screen reader."""
    from selenium.webdriver.common.by import By

    build_world(server)
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "次营填报", "password": "correct-horse-1"})
    wait(lambda: person.count() > 0, what="the chat page")
    cell = wait(lambda: driver.find_element(By.CSS_SELECTOR, "input[data-path='table3.NEW.NP']"), what="the 表三 grid")
    assert cell.get_attribute("aria-label") == "表三 本年新收 自然人"
    leaving = "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;"
    assert driver.execute_script(leaving) is False, "nothing edited: leave freely"
    cell.send_keys("3")
    assert driver.execute_script(leaving) is True, "an unsaved edit: the browser asks first"
    driver.execute_script("return window.gridRefresh()")  # what a chat answer does
    wait(lambda: "未保存的修改" in driver.find_element(By.ID, "grid-note").text, what="the note")
    assert driver.find_element(By.CSS_SELECTOR, "input[data-path='table3.NEW.NP']").get_attribute("value") == "3"


def test_table3_shows_the_official_structure_and_fits_1366(server: Server, driver: Any, tmp_path: Path) -> None:
    """表三's grid has the official table's header rows and row groups, all read from the format definition:
    申请人情况 over the columns, the 法人或其他组织 group over its five, 三、本年度办理结果 and （三）… beside their
    rows; every typed cell is named for a screen reader; at 1366×768 neither the page nor the grid scrolls
    sideways, and at phone width the page does not."""
    from selenium.webdriver.common.by import By

    from bot.format.definition import load_format

    t3 = load_format().table3
    world = build_world(server)
    world.clerk.tap("全部为0")  # 表二
    driver.set_window_size(1366, 768)
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "次营填报", "password": "correct-horse-1"})
    wait(lambda: driver.find_element(By.CSS_SELECTOR, "#grid-table3 input"), what="the 表三 grid")
    table = driver.find_element(By.ID, "grid-table3")
    heads = {th.text.replace("\n", ""): th for th in table.find_elements(By.CSS_SELECTOR, "thead th")}
    assert heads[t3.super_header].get_attribute("colspan") == str(len(t3.columns))
    for group, columns in t3.column_groups:
        assert group in heads
        if len(columns) > 1:
            assert heads[group].get_attribute("colspan") == str(len(columns))
    labels = {th.text.replace("\n", ""): th for th in table.find_elements(By.CSS_SELECTOR, "tbody th")}
    for row in t3.rows:
        assert row.label in labels, row.label  # 一、… 二、… 三、本年度办理结果 四、…
        if row.children:
            spanned = sum(1 for r in t3.data_rows if r.key and any(r is d for d in _under(row)))
            assert labels[row.label].get_attribute("rowspan") == str(spanned)
    for result in t3.result_groups:
        assert result.name in " ".join(labels)  # （一）…（六）
    for row in t3.entry_rows:
        for column in t3.part_columns:
            cell = table.find_element(By.CSS_SELECTOR, f"input[data-path='table3.{row.key}.{column.key}']")
            assert cell.get_attribute("aria-label") == f"表三 {row.name} {column.label}"
    total = t3.total_row()
    assert total is not None and not table.find_elements(By.CSS_SELECTOR, f"input[data-path='table3.{total.key}.NP']")  # computed
    shots = tmp_path / "shots"
    screenshot(driver, shots / "clerk-table3-1366.png")
    driver.execute_script("document.querySelector('#grid-table3 tbody tr:nth-child(8)').scrollIntoView()")
    screenshot(driver, shots / "clerk-table3-1366-rows.png")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert driver.execute_script("var g = document.getElementById('grid'); return g.scrollWidth <= g.clientWidth + 1")
    assert driver.execute_script("var t = document.querySelector('.tables'); return t.scrollWidth <= t.clientWidth + 1")
    # Typing keeps the totals live and the unsaved-edit protection.
    cell = table.find_element(By.CSS_SELECTOR, "input[data-path='table3.NEW.NP']")
    cell.send_keys("3")
    assert table.find_element(By.CSS_SELECTOR, "td[data-path='table3.NEW.SUM']").text == ""  # the others still blank
    leaving = "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;"
    assert driver.execute_script(leaving) is True
    # A pasted block fills the rows in the official order, its stated total checked on saving.
    paste(driver, cell, "本年新收 3 0 0 0 0 1 4\n上年结转 1 0 0 0 0 0")
    driver.find_element(By.ID, "grid-save").click()
    wait(lambda: "已保存" in driver.find_element(By.ID, "grid-note").text, what="the save")
    values = world.clerk.get("/api/grid").json()["values"]
    assert (values["table3.NEW.NP"], values["table3.NEW.OTHORG"], values["table3.NEW.SUM"], values["table3.CARRY.NP"]) == ("3", "1", "4", "1")
    driver.set_window_size(375, 800)
    driver.execute_script("document.getElementById('grid-table3').scrollIntoView(); document.querySelector('.tables').scrollLeft = 0")
    screenshot(driver, shots / "clerk-table3-375.png")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def _under(row: Any) -> list[Any]:
    out = []
    for child in row.children:
        out.extend(_under(child) if child.children else [child])
    return out


def test_a_reviewer_sees_table3_read_only_without_a_save_button(server: Server, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    build_world(server)
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "次营审核", "password": "correct-horse-1"})
    table = wait(lambda: driver.find_element(By.CSS_SELECTOR, "#grid-table3"), what="the 表三 grid")
    assert not table.find_elements(By.CSS_SELECTOR, "input")
    assert "（只读）" in driver.find_element(By.ID, "grid-title").text
    assert not driver.find_element(By.ID, "grid-save").is_displayed()
