"""The grids in a real headless Chromium (skipped, saying so, without chromium and chromium-driver): a
pasted 表四 row states its total, and a wrong one is refused and named beside the grid; the chat is left
as it was."""

from __future__ import annotations

from typing import Any

from browser import BrowserPerson, wait
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
