"""Last year's report uploaded in the forms it is published in: Markdown text, a PDF, a saved web page."""

from __future__ import annotations

import pytest
from conftest import SAMPLES, shared
from driver import Clerk, make_service, onboard


def carried(service) -> int | None:  # type: ignore[no-untyped-def]
    with service.repo.transaction() as store:
        user = store.user("test", "clerk1")
        return store.answers(store.conversation(user).report_id).get("table3.CARRY.NP")


def test_markdown_of_last_years_report_prefills(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    onboard(clerk)
    text = (SAMPLES / "township-2023-shanxi-ciying.txt").read_text(encoding="utf-8").replace("2023", "2025")
    clerk.upload("次营镇2025年报.md", text.encode("utf-8"))
    assert "已读取2025年度报告" in clerk.texts()
    assert carried(service) == 1  # 次营镇 carried one application into the next year


def test_a_published_pdf_is_read_as_an_upload(tmp_path):
    pdf = shared("data/reports/pdf/hongze-district-2023.pdf")
    service = make_service(tmp_path)
    clerk = Clerk(service)
    onboard(clerk)
    clerk.upload("洪泽区2023.pdf", pdf.read_bytes())
    assert "不支持" not in clerk.texts() and "无法读取" not in clerk.texts(), clerk.texts()


@pytest.mark.parametrize("name", ["报告.zip", "报告.exe"])  # a photo (.png/.jpg) is read by OCR: tests/test_scan_*.py
def test_other_files_are_refused_naming_the_forms(tmp_path, name):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    onboard(clerk)
    clerk.upload(name, b"\x89PNG....")
    assert "不支持" in clerk.texts() and "PDF" in clerk.texts() and "WPS" in clerk.texts()
