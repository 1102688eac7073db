"""Text saved from a page by a crawler (issue 27, item 3): the body on one line, headings mid-line, each
table row's label followed by its numbers with no separator. Digits are split only when exactly one split
satisfies the row's sum or the column sums; otherwise the row is unread, never guessed."""

from __future__ import annotations

from forms import TOWNSHIPS, plant, read, run_together, truth

from bot.checks.validate import validate
from bot.importer.runtogether import _splits

AMBIGUOUS = [1, 1, 1, 1, 1, 10, 15]  # '111111015' is also 1 1 1 1 11 0 15: the row's own sum cannot tell


def test_a_page_run_together_reads_every_table3_and_table4_cell_and_its_sections():
    for name in TOWNSHIPS:
        want = truth(name)
        text = run_together(want)
        assert "\n" not in text and "申请数量" in text
        got = read(text, "page.txt")
        assert got.report.unit["name"] == want.unit["name"] and got.report.year == want.year
        for key in ("overview", "problems", "other"):
            assert got.report.text[key].replace("\n", "") == want.text[key].replace("\n", "")
        differ = {p for p, v in want.cells.items() if p.startswith(("table3.", "table4.")) and got.report.cells[p] != v}
        assert differ == set(), name
        wrong = {p for p, v in want.cells.items() if got.report.cells[p] is not None and got.report.cells[p] != v}
        assert wrong == set()


def _set_row(report, key: str, values: list[int]) -> None:
    grid = report.format.table3
    for col, value in zip(grid.col_keys, values, strict=True):
        old = report.cells[f"table3.{key}.{col}"]
        report.cells[f"table3.{key}.{col}"] = value
        for whole in ("TOTAL", "NEW"):  # keep (七)总计 = its rows and 一 + 二 = (七) + 四
            report.cells[f"table3.{whole}.{col}"] += value - old


def test_a_row_its_own_sum_cannot_split_is_settled_by_the_column_sums():
    want = truth(TOWNSHIPS[0])
    _set_row(want, "DEN1", AMBIGUOUS)
    assert len([s for s in _splits("111111015", 7) if sum(s[:-1]) == s[-1]]) == 6
    got = read(run_together(want), "page.txt")
    assert [got.report.cells[f"table3.DEN1.{c}"] for c in want.format.table3.col_keys] == AMBIGUOUS


def test_two_such_rows_in_one_column_group_are_unread_not_guessed():
    want = truth(TOWNSHIPS[0])
    _set_row(want, "DEN1", AMBIGUOUS)
    _set_row(want, "DEN2", AMBIGUOUS)
    got = read(run_together(want), "page.txt")
    unread = sorted(f.cells[0].split(".")[1] for f in got.findings if f.rule == "W-UNREAD")
    assert unread == ["DEN1", "DEN2"]
    assert all(got.report.cells[p] in (None, v) for p, v in want.cells.items())
    findings = validate(got.report, problems=got.problems)
    assert not [f for f in findings if f.level == "error"]


def test_planted_problems_are_found_in_run_together_text():
    planted = plant(truth(TOWNSHIPS[1]))
    got = read(run_together(planted.report), "page.txt")
    rules = {f.rule for f in validate(got.report, problems=got.problems)}
    assert set(planted.rules.values()) <= rules


def test_a_glued_run_is_bounded():
    assert list(_splits("1" * 41, 7)) == []  # longer than any row of counts: left unread, never searched
    assert sum(1 for _ in _splits("1" * 40, 7)) <= 20_001
