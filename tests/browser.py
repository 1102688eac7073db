"""Headless Chromium for the browser tests: Debian's chromium and chromedriver, never a download.

Tests skip, saying so, when either is missing (CI installs both: apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def require_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail("CI must install chromium and chromium-driver (.ci/run)")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); CI installs them")
    pytest.importorskip("selenium", reason="needs selenium (the project's test extra)")


def make_driver(profile: Path, downloads: Path, width: int = 1366, height: int = 900) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}", "--lang=zh-CN"):
        options.add_argument(flag)
    downloads.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(30)
    return driver


def wait(condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    """Poll until `condition()` is truthy (the page works asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # an element still being replaced by the page's script
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


def downloaded(folder: Path, suffix: str, timeout: float = 30.0) -> Path:
    return wait(lambda: next((p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0), None), timeout, f"a {suffix} download")


class BrowserPerson:
    """A person at the web page in the browser: types, taps buttons, as a clerk does."""

    def __init__(self, driver: Any, base: str):
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def fill_form(self, fields: dict[str, str]) -> None:
        from selenium.webdriver.common.by import By

        for name, value in fields.items():
            box = self.driver.find_element(By.NAME, name)
            box.clear()
            box.send_keys(value)
        self.driver.find_element(By.ID, "submit").click()

    def count(self) -> int:
        return int(self.driver.execute_script("return document.querySelectorAll('#messages .msg').length"))

    def idle(self) -> bool:
        return bool(self.driver.execute_script("return !document.getElementById('send').disabled"))

    def _after(self, action: Callable[[], None]) -> None:
        wait(lambda: self.count() > 0 and self.idle(), what="the page to load its messages")
        before = self.count()
        action()
        wait(lambda: self.count() > before and self.idle(), what="the answer")

    def say(self, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        def act() -> None:
            box = self.driver.find_element(By.ID, "text")
            box.send_keys(text)
            box.send_keys(Keys.ENTER)

        self._after(act)

    def tap(self, label: str) -> None:
        from selenium.webdriver.common.by import By

        xpath = f"(//div[contains(@class,'msg')]//button[normalize-space()='{label}'])[last()]"
        self._after(lambda: self.driver.find_element(By.XPATH, xpath).click())

    def last_text(self) -> str:
        return str(self.driver.execute_script("var m = document.querySelectorAll('#messages .msg'); return m[m.length-1].innerText"))

    def all_text(self) -> str:
        return str(self.driver.execute_script("return document.getElementById('messages').innerText"))

    def logout(self) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.XPATH, "//button[normalize-space()='退出']").click()
        wait(lambda: "/login" in self.driver.current_url, what="the login page")


def screenshot(driver: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))


def available() -> bool:
    return bool(shutil.which("chromium")) and Path(CHROMEDRIVER).exists()
