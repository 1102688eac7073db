"""The title as published: unit and year in any order, with or without 工作, over up to three lines;
the year from the body's 统计期限 when the title has none; the unit's level from its name."""

from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = r"((?:19|20)\d{2}|2100)"
TITLE = re.compile(rf"^(?:关于)?(?P<pre>.*?)(?:{YEAR}年度?)?(?P<mid>.*?)(?:的)?政府信息公开(?:工作)?(?:的)?(?:年度)?报告(?:[（(].{{0,12}}[)）])?$")
TITLE_YEAR = re.compile(rf"^(?:关于)?(?P<pre>.*?){YEAR}年度?(?P<mid>.*?)(?:的)?政府信息公开(?:工作)?(?:的)?(?:年度)?报告")
PERIOD = re.compile(rf"统计(?:期限|时限|时间|区间|周期|范围)[^。；]{{0,16}}?{YEAR}年\s*1\s*月\s*1\s*日")
NOT_TITLE = re.compile(r"[：:。，]")
TITLE_PART = re.compile(r"^[\u4e00-\u9fff\d（）()]{2,30}$")
TOWNSHIP = re.compile(r"(镇|乡|街道)(人民政府|政府|办事处|党委)?$")
ADMIN_ENDS = ("自治区", "自治州", "自治县", "地区", "省", "市", "州", "盟", "县", "旗", "区")
ADMIN_CHARS = "省市县区州盟旗"
NOT_ADMIN = ("城市", "市场", "社区", "园区", "景区", "矿区", "小区", "城区", "市政", "市容", "辖区", "片区", "库区", "山区", "新区")
ZONE = ("实验区", "开发区", "高新区", "试验区", "示范区", "保税区", "合作区", "功能区", "自贸区")
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
GOVERNMENT = re.compile(r"^(人民政府|政府)$")


MARKUP = re.compile(r"^#{1,6}|\*\*|__|^【|】$")


def _plain(line: str) -> str:
    """A title line without spaces or markdown marks ('# 某镇…报告', '**2023年…**')."""
    return MARKUP.sub("", re.sub(r"\s+", "", line))


@dataclass
class Title:
    unit: str
    year: int | None


def title_span(lines: list[str]) -> tuple[int, int]:
    """Where the title stands among the head lines, as (first, end) indices; (0, 0) when none.

    The title ends at the first short line ending in 报告 that names 政府信息公开, alone or with up to
    two title-like lines before it (page chrome such as '发布日期：2024-01-20' never joins it).
    """
    kept = [(n, _plain(ln)) for n, ln in enumerate(lines[:40])]
    kept = [(n, s) for n, s in kept if s]
    for i, (end, line) in enumerate(kept):
        if not line.endswith(("报告", "报告）", "报告)")) or len(line) > 60 or NOT_TITLE.search(line):
            continue
        first = i
        while first > max(0, i - 2) and TITLE_PART.match(kept[first - 1][1]):
            first -= 1
        for j in range(first, i + 1):
            joined = "".join(s for _, s in kept[j : i + 1])
            if "政府信息公开" in joined and TITLE.match(joined):
                return kept[j][0], end + 1
    return 0, 0


def read_title(lines: list[str]) -> Title:
    """Unit and year from the title lines: '次营镇人民政府' / '2023 年政府信息公开工作年度报告',
    '沭阳县发展和改革局2023年政府信息公开年度报告', '2024 年上海市科委政府信息公开工作' / '年度报告'."""
    squeezed = [s for s in (_plain(ln) for ln in lines) if s]
    for start in range(len(squeezed)):
        joined = "".join(squeezed[start:])
        m = TITLE_YEAR.match(joined) or TITLE.match(joined)
        if not m or NOT_TITLE.search(joined):
            continue
        year = int(m.group(2)) if m.re is TITLE_YEAR else (int(m.group(2)) if m.group(2) else None)
        unit = (m.group("pre") + m.group("mid")).strip()
        if not unit and start:
            unit = "".join(squeezed[:start])
        return Title(unit=unit, year=year)
    return Title(unit="", year=None)


def year_from_period(text: str) -> int | None:
    """The year of the body's '统计期限自2023年1月1日起…'."""
    m = PERIOD.search(re.sub(r"\s+", "", text))
    return int(m.group(1)) if m else None


def _admin_at(name: str, pos: int) -> str:
    """The place name starting at pos ('淮安市', '兖州区', '内蒙古自治区'), or ''."""
    for end in range(pos + 2, min(len(name), pos + 10) + 1):
        piece = name[pos:end]
        if piece.endswith(ADMIN_ENDS) and (end == len(name) or name[end] not in ADMIN_CHARS or name[end : end + 2] in NOT_ADMIN):
            return piece
    return ""


def unit_level(name: str) -> str:
    """township / county / county_department / city / city_department / province / province_department / other."""
    name = re.sub(r"\s+", "", name)
    if TOWNSHIP.search(name):
        return "township"
    pos, last = 0, ""
    while token := _admin_at(name, pos):
        if any(token.endswith(z) for z in ZONE):
            return "other"
        if any(bad in token for bad in NOT_ADMIN):
            break
        pos, last = pos + len(token), token
    if not last:
        return "other"
    if last.endswith(("省", "自治区")) or (last in MUNICIPALITIES and pos == len(last)):
        tier = "province"
    elif last.endswith(("市", "自治州", "州", "盟", "地区")):
        tier = "city"
    else:
        tier = "county"
    rest = name[pos:]
    if not rest or GOVERNMENT.match(rest):
        return tier
    return f"{tier}_department"
