"""Last year's text as this year's base (issue 12, item 6): years changed only where they are the report
year; sentences stating table figures rewritten from this year's tables; the rest listed for a check."""

from __future__ import annotations

from driver import Clerk, has_button, make_service, onboard
from factories import zero_report
from sqlmodel import select

from bot.interview.lastyear import carry, shift_years
from bot.storage.models import ReportRecord

LAST_YEAR = (
    "（一）主动公开政府信息情况\n"
    "2021年，我区按照《平潭综合实验区国土空间总体规划（2021-2035年）》要求，"
    "根据闽财非税函〔2021〕1号文件精神做好收费公开。"
    "2021年3月5日印发的《关于做好2021年政务公开工作的通知》明确了重点。\n"
    "（二）依申请公开政府信息情况\n"
    "2021年，我区共收到政府信息公开申请70件，上年结转2件。本年度办结70件，其中予以公开40件。"
    "全年未发生因政府信息公开引起的行政复议、行政诉讼。\n"
    "（五）监督保障\n2021年组织培训3次，2022年将继续加强。"
)


def this_year(applications: int = 74):
    report = zero_report(2022, "平潭综合实验区管委会")
    report.cells["table3.NEW.NP"] = report.cells["table3.NEW.SUM"] = applications
    report.cells["table3.OPEN.NP"] = report.cells["table3.OPEN.SUM"] = applications
    report.cells["table3.TOTAL.NP"] = report.cells["table3.TOTAL.SUM"] = applications
    return report


def test_years_in_document_numbers_periods_dates_and_titles_stay():
    text, kept = shift_years(LAST_YEAR, 2021, 2022)
    assert "闽财非税函〔2021〕1号" in text
    assert "（2021-2035年）" in text
    assert "2021年3月5日印发的《关于做好2021年政务公开工作的通知》" in text
    assert "2022年，我区按照" in text and "2022年组织培训3次，2023年将继续加强" in text
    assert len(kept) == 4 and any("文号" in k for k in kept) and any("规划" in k for k in kept)


def test_sentences_with_table_figures_are_written_from_this_years_tables():
    result = carry(LAST_YEAR, 2021, this_year(74))
    assert "70件" not in result.text and "上年结转2件" not in result.text
    assert "收到政府信息公开申请74件" in result.text
    assert "本年度未发生因政府信息公开引起的行政复议、行政诉讼。" in result.text
    assert any("70件" in s for s in result.replaced)
    assert any("培训3次" in s for s in result.check)
    assert "闽财非税函〔2021〕1号" in result.text and "（2021-2035年）" in result.text


def test_the_clerk_gets_last_years_text_carefully_and_it_is_stored(tmp_path):
    service = make_service(tmp_path, today=__import__("datetime").date(2023, 1, 20))
    clerk = Clerk(service)
    onboard(clerk, name="平潭综合实验区管委会", region="福建省 福州市 平潭县", year="2022年度")
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        previous = store.report_for(record.unit_id, 2021, source="import")
        store.set_answers(previous.id, {"text.overview": LAST_YEAR}, None, "upload")
    clerk.tap("全部为0")
    clerk.tap("有，按行填写")
    clerk.say("（一）本年新收政府信息公开申请数量 74 0 0 0 0 0 74")
    for _ in range(30):
        if "其余各行全为0" not in str([[b.label for b in r] for x in clerk.last.replies for r in x.buttons]):
            break
        clerk.say("0 0 0 0 0 0")
    clerk.say("/menu")
    clerk.tap("5. 一、总体情况")
    for _ in range(4):  # the questions behind the draft, where they are still asked
        if not has_button(clerk, "跳过"):
            break
        clerk.tap("跳过")
    clerk.tap("以去年文字为底稿")
    text = clerk.texts()
    assert "请核对" in text and "培训3次" in text
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.year == 2022)).one()
        stored = store.answers(record.id)["text.overview"]
    assert "闽财非税函〔2021〕1号" in stored and "（2021-2035年）" in stored and "70件" not in stored
