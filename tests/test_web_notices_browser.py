"""The web inbox in a real headless Chromium: the header's badge, /inbox, desktop notifications turned on
with a click (one per new notice, never twice), and the page at a phone's width (375 px).

Skipped, with the reason, where Debian's chromium and chromium-driver are not installed. The screenshots
are left in the test's tmp_path (badge.png, inbox-desktop.png, inbox-phone.png, profile-phone.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import BrowserPerson, screenshot, wait
from sqlmodel import select
from webharness import Server, account

from bot.storage import web_accounts as wa
from bot.storage.models import Delivery

# Stands in for the browser's Notification: records each one shown (headless Chromium shows none), and
# asks the real one for the permission, so the page's button goes through the real requestPermission.
NOTIFICATION_SPY = """
(function () {
  var Real = window.Notification;
  window.__shown = [];
  function Spy(title, options) { window.__shown.push({ title: title, body: options && options.body }); this.close = function () {}; }
  Object.defineProperty(Spy, "permission", { get: function () { return Real.permission; } });
  Spy.requestPermission = function (callback) { return Real.requestPermission(callback); };
  window.Notification = Spy;
})();
"""


@pytest.fixture
def driver(driver: Any) -> Any:
    """The browser of tests/conftest.py, with the notification recorder in every page."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NOTIFICATION_SPY})
    return driver


def queue(server: Server, login: str, text: str, kind: str) -> None:
    with server.state.repo.transaction() as store:
        found = wa.account_by_login(store, login)
        assert found is not None
        assert store.notify([store.get_user(found.user_id)], text, kind) == 1


def badge(driver: Any) -> str:
    return str(driver.execute_script("var b = document.getElementById('notice-badge'); return b && !b.hidden ? b.textContent : '';"))


def fits(driver: Any) -> bool:
    """Nothing wider than the window (no sideways scrolling)."""
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_badge_inbox_and_desktop_notifications(server: Server, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    account(server, "通知填报")
    queue(server, "通知填报", "【提醒】距2026年度报告截止日期（2027-01-20）还有7个工作日，请尽快完成填报并提交审核。", "reminder")
    returned = "【退回修改】次营审核退回了“次营镇人民政府2026年度政府信息公开工作年度报告”。\n审核意见：表三 予以公开 自然人 应为3件，请与台账核对。"
    queue(server, "通知填报", returned, "review")
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "通知填报", "password": "correct-horse-1"})
    wait(lambda: person.count() > 0, what="the chat page")
    assert wait(lambda: badge(driver) == "2", what="the badge counting two unread notices")
    assert driver.find_element(By.ID, "notice-link").get_attribute("title") == "2条未读通知"
    screenshot(driver, tmp_path / "badge.png")

    driver.find_element(By.ID, "notice-link").click()
    wait(lambda: "/inbox" in driver.current_url, what="the inbox")
    items = driver.find_elements(By.CSS_SELECTOR, "#notices li.notice")
    assert len(items) == 2 and "退回修改" in items[0].text and "还有7个工作日" in items[1].text
    assert all("新" in i.find_element(By.CSS_SELECTOR, ".tag").text for i in items)
    assert "2026-11-23 09:00" in items[0].text and "审核" in items[0].text and "提醒" in items[1].text
    assert wait(lambda: badge(driver) == "", what="no badge once read")
    screenshot(driver, tmp_path / "inbox-desktop.png")

    # Desktop notifications: nothing asked until the button is clicked; then one per new notice.
    assert driver.execute_script("return Notification.permission") == "default"
    button = wait(lambda: driver.find_element(By.ID, "notify-on") if driver.find_element(By.ID, "notify-on").is_displayed() else None,
                  what="the 开启桌面通知 button")
    assert button.text == "开启桌面通知"
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": server.url, "permissions": ["notifications"]})  # the person says yes
    button.click()
    wait(lambda: "桌面通知已开启" in driver.find_element(By.ID, "notify-state").text, what="permission granted")
    assert not driver.find_element(By.ID, "notify-on").is_displayed()
    assert driver.execute_script("return window.__shown") == []  # what was there before is not news

    queue(server, "通知填报", "【催办】阳城县政务公开办提醒：请尽快完成2026年度报告。", "nudge")
    poll = "document.dispatchEvent(new Event('visibilitychange'))"  # the tab shown again: the page asks at once
    driver.execute_script(poll)
    shown = wait(lambda: driver.execute_script("return window.__shown.length ? window.__shown : null"), what="a desktop notification")
    assert shown == [{"title": "年报助手 · 催办", "body": "【催办】阳城县政务公开办提醒：请尽快完成2026年度报告。"}]
    assert wait(lambda: badge(driver) == "1", what="the badge of the new notice")
    assert driver.find_element(By.ID, "inbox-fresh").is_displayed()
    driver.refresh()  # another page load, another poll: still told once
    wait(lambda: badge(driver) == "" and driver.find_elements(By.CSS_SELECTOR, "#notices li.notice.new"), what="the inbox again")
    assert driver.execute_script("return window.__shown") == []  # a new page: nothing shown again
    with server.state.repo.transaction() as store:
        assert all(d.read_at is not None for d in store.session.exec(select(Delivery)).all())

    # At a phone's width: everything readable, nothing wider than the screen.
    driver.set_window_size(375, 812)
    driver.refresh()
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#notices li.notice"), what="the inbox at 375 px")
    assert fits(driver)
    screenshot(driver, tmp_path / "inbox-phone.png")
    person.open("/profile")
    driver.find_element(By.ID, "email").send_keys("zhangsan@yc.gov.cn")
    driver.find_element(By.ID, "submit").click()
    wait(lambda: "已保存邮箱地址" in driver.find_element(By.ID, "email-result").text, what="the address saved")
    assert driver.find_element(By.ID, "email-stored").text == "zhangsan@yc.gov.cn" and fits(driver)
    screenshot(driver, tmp_path / "profile-phone.png")


def test_a_coordinator_sets_a_members_address_on_the_unit_page_at_a_phones_width(server: Server, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from webharness import build_world

    world = build_world(server)
    driver.set_window_size(375, 812)
    person = BrowserPerson(driver, server.url)
    person.open("/login")
    person.fill_form({"login": "阳城协调人", "password": "correct-horse-1"})
    wait(lambda: person.count() > 0, what="the chat page")
    person.open(f"/county/unit/{world.unit_id}")
    row = wait(lambda: next(r for r in driver.find_elements(By.CSS_SELECTOR, "#members tbody tr") if "次营填报" in r.text), what="the clerk's row")
    assert "填报人" in row.text and "未设置" in row.text and fits(driver)
    box = row.find_element(By.NAME, "email")
    box.send_keys("ciying@yc.gov.cn")
    row.find_element(By.TAG_NAME, "button").click()
    wait(lambda: "已保存邮箱地址：ciying@yc.gov.cn" in driver.find_element(By.TAG_NAME, "main").text, what="the address saved")
    driver.find_element(By.LINK_TEXT, "返回单位页面").click()
    row = wait(lambda: next(r for r in driver.find_elements(By.CSS_SELECTOR, "#members tbody tr") if "次营填报" in r.text), what="the row again")
    assert row.find_element(By.CSS_SELECTOR, "td.address").text == "ciying@yc.gov.cn"
    driver.execute_script("document.getElementById('members').scrollIntoView()")
    assert fits(driver)
    screenshot(driver, tmp_path / "members-phone.png")
