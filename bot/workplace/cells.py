"""Setting cells of 表二, 表三 or 表四 directly (the web page's grids): one use case, one transaction.

`set_cells` is what a grid's save is. It never goes through the conversation: the person's question,
buttons and pending confirmation stay as they are. What it shares with the chat is everything that decides
what is stored:

- the right to write the report (`bot/access`, "edit"; a refusal is logged);
- each value read as the chat reads a typed count or amount (`parse.count`, `parse.money`: digits of any
  width, Chinese numerals, never negative, fractional or beyond the limits of `bot/core/limits.py`, which
  `Ctx.save` applies again);
- the stated-total rule of the table steps: a 表三 row through `table3input.store_rows`, a 表四 row through
  `steps.table4_row` (a total that disagrees with its parts is refused and named); totals are computed;
- the write: `Ctx.save` and `Ctx.flush`, as an answer of the chat: the audit entries, ONE change set (so
  `/undo` in the chat takes the whole save back), the colleague's value named, a submitted or final report
  back to draft.

Everything is applied, or nothing: a refused value or row leaves the report as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.checks.findings import Finding
from bot.checks.validate import validate
from bot.core.report import Report
from bot.interview import parse
from bot.interview.context import Ctx, Host
from bot.interview.parse import AnswerError
from bot.interview.state import ConvState
from bot.interview.steps import table4_row
from bot.interview.table3input import Rows, quoted, store_rows
from bot.storage.models import Conversation, ReportRecord, User
from bot.storage.repository import Store
from bot.workplace.access import PERMISSIONS, REFUSED, role_for

TABLES = ("table2", "table3", "table4")
MAX_CELLS = 400  # more than any table has (表三: 175)


@dataclass
class CellsResult:
    """What a save did. `status`: 200 stored (or nothing to change), 400 a value or row refused (`error`
    says which, in Chinese), 403 not allowed, 404 no such report."""

    status: int
    error: str = ""
    saved: list[str] = field(default_factory=list)  # what was stored, as the chat says it
    notices: list[str] = field(default_factory=list)  # a colleague's value replaced; the report back to draft
    report: Report | None = None  # after the save (also when refused: as stored)
    record: ReportRecord | None = None
    role: str | None = None
    findings: list[Finding] = field(default_factory=list)  # the checker's, on `report`: one validation


class Refused(ValueError):
    """A value or row that cannot be stored: the message names it, for the clerk."""


def set_cells(store: Store, host: Host, person: User, report_id: int, table: str, cells: dict[str, Any]) -> CellsResult:
    """Set cells of one table of a report: all of them, or (a refusal) none. `cells`: path → the value as
    typed (an int or its text; a total's path carries a stated total, checked, never stored over)."""
    record = store.report_record(report_id)
    role = role_for(store, person, record.unit_id) if record is not None else None
    if record is None or role is None:
        store.refuse(person, "read", f"report:{report_id}", "grid save of a report the person cannot read")
        return CellsResult(404, REFUSED["read"])
    if role not in PERMISSIONS["edit"]:
        store.refuse(person, "edit", f"report:{report_id}", REFUSED["edit"])
        return CellsResult(403, REFUSED["edit"], role=role, record=record)
    ctx = Ctx(host, store, person, Conversation(user_id=person.id or 0, report_id=report_id), ConvState())
    try:
        saved = _apply(ctx, table, cells)
    except (Refused, AnswerError) as exc:
        return _result(ctx, 400, role, error=str(exc))
    ctx.flush()
    notices = [r.text for r in ctx.outcome.replies]
    return _result(ctx, 200, role, saved=saved, notices=notices)


def _result(ctx: Ctx, status: int, role: str | None, **kw: Any) -> CellsResult:
    if status != 200:
        ctx.reset_answers()  # what is stored, not what was refused
    report = ctx.report()
    return CellsResult(status, report=report, record=ctx.record, role=role, findings=validate(report), **kw)


# ---- reading and applying ------------------------------------------------------------------------------


def _apply(ctx: Ctx, table: str, raw: dict[str, Any]) -> list[str]:
    if table not in TABLES:
        raise Refused("没有这张表。")
    if not isinstance(raw, dict) or len(raw) > MAX_CELLS:
        raise Refused("表格数据不完整，请刷新页面后重试。")
    known = {c.path: c for c in ctx.fmt.cells() if c.table == table}
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise Refused(f"表格数据有误（“{str(unknown[0])[:40]}”不是{ctx.fmt.table(table).name}的格子），请刷新页面后重试。")
    values = {path: read_value(known[path], value) for path, value in raw.items()}
    if not values:
        return []
    if table == "table3":
        return _table3(ctx, values)
    if table == "table4":
        return _table4(ctx, values)
    ctx.save(values)
    return [f"已保存{ctx.fmt.table(table).name}的{len(values)}个格子。"]


def read_value(cell: Any, value: Any) -> Any:
    """A grid cell's value read exactly as the chat reads it typed; Refused naming the cell otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused(f"{cell.name}应为数字。")
    text = str(value).strip()
    if not text:
        raise Refused(f"{cell.name}是空的，没有的请填0。")
    try:
        return parse.money(text) if cell.kind == "money" else parse.count(text)
    except AnswerError as exc:
        raise Refused(f"{cell.name}：{exc}") from None


def _rows(ctx: Ctx, grid: Any, values: dict[str, int]) -> dict[str, tuple[list[int | None], int | None]]:
    """Each row the values touch: its parts (given, else as stored) and the total stated (if given)."""
    answers = ctx.answers()
    total_col = grid.total_column().key
    parts = [c.key for c in grid.part_columns]
    out: dict[str, tuple[list[int | None], int | None]] = {}
    for row in grid.row_keys:
        if not any(f"{grid.key}.{row}.{c}" in values for c in grid.col_keys):
            continue
        out[row] = (
            [values.get(f"{grid.key}.{row}.{c}", answers.get(f"{grid.key}.{row}.{c}")) for c in parts],
            values.get(f"{grid.key}.{row}.{total_col}"),
        )
    return out


def _complete(name: str, row: list[int | None], total: int | None) -> list[int]:
    filled = [v for v in row if v is not None]
    if len(filled) < len(row):
        if total is not None:
            raise Refused(f"{name}：还有空的格子，总计无法核对，这一行没有保存。请先填完这一行（没有的填0）。")
        return []
    return filled


def _table3(ctx: Ctx, values: dict[str, int]) -> list[str]:
    """Rows of 表三 the chat's way (`store_rows`): a row whose parts are all known goes in whole, totals
    computed, a stated total checked; the cells of a row that still has blanks are saved as they are."""
    grid = ctx.fmt.table3
    total_row = grid.total_row()
    assert total_row is not None
    read = Rows()
    loose: dict[str, int] = {}
    for key, (parts, total) in _rows(ctx, grid, values).items():
        row = _complete(quoted(grid.row(key).name), parts, total)
        if row:
            read.rows[key] = (row, total)
        elif key != total_row.key:
            loose.update({p: v for p, v in values.items() if p.startswith(f"table3.{key}.")})
    saved, refused = store_rows(ctx, read) if read.rows else ([], [])
    if refused:
        raise Refused("以下没有保存，请核对：\n" + "\n".join(r.replace("这一行没有保存。", "") for r in refused))
    if loose:
        ctx.save(loose)
        saved.append(f"已保存表三中尚未填完的行的{len(loose)}个格子。")
    return saved


def _table4(ctx: Ctx, values: dict[str, int]) -> list[str]:
    """Rows of 表四 the chat's way (`table4_row`): the total computed, a stated total checked."""
    grid = ctx.fmt.table4
    saved = []
    for key, (parts, total) in _rows(ctx, grid, values).items():
        label = grid.row(key).label
        named = f"{grid.row(key).super}—{label}" if grid.row(key).super else label
        row = _complete(f"“{named}”", parts, total)
        if not row:
            ctx.save({p: v for p, v in values.items() if p.startswith(f"table4.{key}.")})
            continue
        try:
            table4_row(ctx, key, row, total)
        except AnswerError as exc:
            raise Refused(f"“{named}”：{str(exc).replace('请核对后重发（也可以只发四个数）。', '这一行没有保存，请核对。')}") from None
        stored = [ctx.answers()[f"table4.{key}.{c}"] for c in grid.col_keys]
        saved.append(f"已保存“{named}”：{' '.join(map(str, stored[:-1]))}，总计{stored[-1]}件。")
    return saved
