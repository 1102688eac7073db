"""Applications entered one by one (表三): who may apply, the results offered, and how one reads back.

Below both the table-三 step that enters them and the screens that show them again (/undo, /history).
"""

from __future__ import annotations

from typing import Any

from bot.format.definition import FormatDef, strip_ordinal

APPLICANTS = [("NP", "自然人"), ("BIZ", "商业企业"), ("RES", "科研机构"), ("NGO", "社会公益组织"), ("LAW", "法律服务机构"), ("OTHORG", "其他组织")]
RESULT_GROUPS = [
    ("OPEN", "予以公开", ["OPEN"]),
    ("PART", "部分公开", ["PART"]),
    ("DEN", "不予公开", [f"DEN{i}" for i in range(1, 9)]),
    ("UNA", "无法提供", ["UNA1", "UNA2", "UNA3"]),
    ("NOP", "不予处理", [f"NOP{i}" for i in range(1, 6)]),
    ("OTH", "其他处理", ["OTH1", "OTH2", "OTH3"]),
    ("FWD", "尚未办结（结转下年度）", ["FWD"]),
]


def describe_application(fmt: FormatDef, fields: dict[str, Any]) -> str:
    """An application as the clerk entered it: 自然人·本年新收·予以公开."""
    who = dict(APPLICANTS).get(str(fields.get("applicant")), "其他")
    when = "本年新收" if fields.get("arrival") == "NEW" else "上年结转"
    result = str(fields.get("result"))
    row = next((r for r in fmt.table3.data_rows if r.key == result), None)  # a row an older format had: its key
    what = "结转下年度" if result == "FWD" else strip_ordinal(row.label) if row else result
    return f"{who}·{when}·{what}"
