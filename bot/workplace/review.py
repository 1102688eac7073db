"""Review before final (三审): the clerk submits, a reviewer approves or returns it with comments.

draft → review (提交审核, only without errors) → final (审核通过) or back to draft (退回修改, with comments
on parts or cells that the clerk sees where they apply). Changing a report under review or final puts it
back to draft; every move is in the audit log. Each button names the report it acts on, and the
reviewer's right to that report is looked up again when it is pressed.
"""

from __future__ import annotations

from bot.checks.validate import validate
from bot.core.progress import STATUS_TEXT, check_report, parts_done_from
from bot.core.report import Report
from bot.format.definition import FormatDef, strip_ordinal
from bot.format.interview import Script, Step
from bot.interview.context import Ctx
from bot.interview.show import deadline_of, findings_text
from bot.interview.state import CommentWait
from bot.storage.models import Comment, ReportRecord, User, id_of
from bot.workplace.access import access

MAX_COMMENT = 1000


# ---- where a comment applies ---------------------------------------------------------------------


def target_label(fmt: FormatDef, script: Script, target: str) -> str:
    """'表三「予以公开」自然人', '表三「予以公开」行' or a part's title."""
    if target in {p.key for p in script.parts}:
        return script.part(target).title
    try:
        return fmt.cell(target).name
    except KeyError:
        table, _, row = target.partition(".")
        grid = fmt.table(table)
        label = next((r.label for r in grid.data_rows if r.key == row), row)
        return f"{grid.name}「{strip_ordinal(label)}」行"


def locate(fmt: FormatDef, part: str, text: str) -> tuple[str, str]:
    """(target, remark): a remark on a table may start with a row's name and a column's, e.g.
    “予以公开 自然人：应为3件” → ('table3.OPEN.NP', '应为3件'). Otherwise the whole part."""
    if part not in ("table2", "table3", "table4"):
        return part, text.strip()
    grid = fmt.table(part)
    body = text.strip()
    names: list[tuple[str, str]] = []
    for row in grid.data_rows:
        for name in {row.label, row.name, strip_ordinal(row.label), f"{row.super or ''}{row.label}"}:
            if name:
                names.append((name, row.key or ""))
    for name, key in sorted(names, key=lambda n: -len(n[0])):
        if body.startswith(name):
            rest = body[len(name):].lstrip(" 　「」“”")
            columns: list[tuple[str, str]] = []
            if part == "table2":
                block = next(b for b in fmt.table2.blocks if any(r.key == key for r in b.rows))
                columns = [(c.label, c.key) for c in block.columns]
            else:
                columns = [(c.label, c.key) for c in fmt.grid(part).columns]
            for label, col in sorted(columns, key=lambda c: -len(c[0])):
                if rest.startswith(label):
                    remark = rest[len(label):].lstrip(" 　:：，,")
                    return f"{part}.{key}.{col}", remark or rest
            return f"{part}.{key}", rest.lstrip(":：，, ") or body
    return part, body


def step_paths(step: Step) -> set[str]:
    """The keys a question fills (cells, texts), as far as the step says."""
    paths = set(step.keys) | ({step.key} if step.key else set())
    if step.row:
        table = step.table or step.part
        paths |= {f"{table}.{step.row}.{c}" for c in step.columns} or {f"{table}.{step.row}"}
    return paths


def applies_to_step(comment: Comment, step: Step, first_of_part: bool) -> bool:
    """Every comment on a part shows at the part's first question; a row's or cell's comment also
    where that row or cell is asked."""
    part = comment.target.split(".")[0]
    if part != step.part:
        return False
    if first_of_part:
        return True
    target = comment.target
    return any(p == target or p.startswith(target + ".") or target.startswith(p + ".") for p in step_paths(step))


def open_comments(ctx: Ctx, record: ReportRecord | None) -> list[Comment]:
    """The report's unanswered comments; read only when its row counts some (most reports have none)."""
    if record is None or not record.open_comments:
        return []
    return ctx.store.comments(id_of(record))


def comments_for_step(ctx: Ctx, step: Step) -> list[Comment]:
    first = ctx.script.first_step(step.part).id == step.id
    return [c for c in open_comments(ctx, ctx.record) if applies_to_step(c, step, first)]


def comment_lines(ctx: Ctx, comments: list[Comment]) -> list[str]:
    return [f"审核意见（{target_label(ctx.fmt, ctx.script, c.target)}）：{c.text}" for c in comments]


# ---- the clerk's side ----------------------------------------------------------------------------


def reviewers(ctx: Ctx, unit_id: int) -> list[User]:
    return [u for m, u in ctx.store.members(unit_id) if m.role == "reviewer"]


def fillers(ctx: Ctx, unit_id: int) -> list[User]:
    return [u for m, u in ctx.store.members(unit_id) if m.role in ("owner", "clerk")]


def submit(ctx: Ctx) -> None:
    """提交审核: only a report without errors; without a reviewer, the owner may finalise it directly."""
    record = ctx.record
    if record is None:
        ctx.say("还没有报告。请先回答单位信息。")
        return
    unit = ctx.store.unit(record.unit_id)
    if not ctx.allowed(unit, "submit"):
        return
    if record.status != "draft":
        ctx.say(f"报告当前状态为“{STATUS_TEXT[record.status]}”，无需再次提交。")
        return
    report = ctx.report()
    errors = [f for f in validate(report, ctx.previous()) if f.level == "error"]
    if errors:
        ctx.say(findings_text("还有以下错误，改正后才能提交审核：", errors, limit=15))
        return
    people = reviewers(ctx, record.unit_id)
    if not people:
        ctx.new_buttons()
        buttons = [[ctx.button("不经审核直接定稿", "final")]] if ctx.role() == "owner" else []
        ctx.say(
            "本单位还没有审核人。请发送 /invite 审核人 生成邀请链接，发给负责审核的领导。"
            + ("\n如本单位不设审核环节，负责人也可以直接定稿。" if buttons else "\n或请本单位负责人直接定稿。"),
            buttons,
        )
        return
    if not ctx.store.transition(record, ("draft",), "review", ctx.user, "submit"):
        ctx.say("报告状态已被他人改变，请发送 /status 查看。")
        return
    ctx.store.resolve_comments(id_of(record))
    name = ctx.user.display_name or "填报人"
    ctx.store.notify(
        people,
        f"【待审核】{report.title()}已由{name}提交审核。请打开报告查看（网页版：“填报”页上方的“审核”），审核通过或退回修改。",
        "review",
        record.id,
    )
    ctx.say(f"已提交审核，已通知审核人（{'、'.join(u.display_name or '审核人' for u in people)}）。审核期间如再修改，需要重新提交。")


def finalize_directly(ctx: Ctx) -> None:
    """The owner of a unit without reviewers finalises their own report (logged as such)."""
    record = ctx.record
    if record is None or ctx.role() != "owner" or reviewers(ctx, record.unit_id):
        ctx.refuse("final", "只有未设审核人的单位的负责人可以直接定稿。")
        return
    report = ctx.report()
    if any(f.level == "error" for f in validate(report, ctx.previous())):
        ctx.say("报告还有错误，不能定稿。发送 /status 查看。")
        return
    if not ctx.store.transition(record, ("draft",), "final", ctx.user, "final"):
        ctx.say(f"报告当前状态为“{STATUS_TEXT[record.status]}”，未作改变。")
        return
    _store_final(ctx, record, report)
    ctx.outcome.ack = "已定稿"
    ctx.say(f"“{report.title()}”已定稿（未经审核）。如需修改，修改后会回到草稿状态，需重新定稿。")


def _store_final(ctx: Ctx, record: ReportRecord, report: Report) -> bytes | None:
    ctx.store.resolve_comments(id_of(record))
    if ctx.engine.render_docx is None:
        return None
    data = ctx.engine.render_docx(report, "定稿")
    ctx.store.save_document(id_of(record), f"{report.title()}.docx", data)
    return data


# ---- the reviewer's side -------------------------------------------------------------------------


def home(ctx: Ctx, report_id: int | None = None, preface: str = "") -> None:
    """What a reviewer sees: the report's state, its check, and what they can do with it."""
    report_id = report_id or ctx.conv.report_id
    record = ctx.record_of(report_id) if report_id else None
    if record is None:
        ctx.say("没有需要审核的报告。")
        return
    unit = ctx.store.unit(record.unit_id)
    if not ctx.allowed(unit, "read"):
        return
    answers = ctx.store.answers(id_of(record))
    report = ctx.store.load_report(id_of(record), answers)
    result = check_report(report, ctx.store.previous_report(record), today=ctx.engine.today(), deadline=deadline_of(report))
    done = parts_done_from(answers, ctx.fmt, ctx.script, result.faulty_parts())
    remarks = open_comments(ctx, record)
    lines = [preface] if preface else []
    lines.append(f"{report.title()}：{STATUS_TEXT[record.status]}，已完成{len(done)}/{len(ctx.script.parts)}部分。{result.line()}")
    lines += [f"· {f.message}" for f in result.errors[:10]]
    if remarks:
        lines.append(f"已有{len(remarks)}条意见：")
        lines += comment_lines(ctx, remarks)
    ctx.new_buttons()
    rid = record.id
    buttons = [[ctx.button("查看表格", f"rview:{rid}"), ctx.button("下载Word", f"rdocx:{rid}")]]
    if access(ctx.store, ctx.user, unit).may("review"):
        if record.status == "review":
            buttons.append([ctx.button("审核通过", f"approve:{rid}"), ctx.button("退回修改", f"return:{rid}")])
            lines.append("请审核：通过后报告定稿；退回前请先添加意见（可针对某一部分或表格中的某一格）。")
        else:
            lines.append("报告尚未提交审核，提交后会通知您。现在也可以先添加意见。")
        buttons.append([ctx.button("添加意见", f"comment:{rid}")])
    ctx.say("\n".join(lines), buttons)


def _reviewable(ctx: Ctx, report_id: int) -> ReportRecord | None:
    record = ctx.record_of(report_id)
    unit = ctx.store.unit(record.unit_id) if record else None
    if not ctx.allowed(unit, "review"):
        return None
    return record


def approve(ctx: Ctx, report_id: int) -> None:
    record = _reviewable(ctx, report_id)
    if record is None:
        return
    if not ctx.store.transition(record, ("review",), "final", ctx.user, "approve"):
        ctx.say(f"该报告当前为“{STATUS_TEXT[record.status]}”，已由他人处理或尚未提交，未作改变。")
        return
    report = ctx.store.load_report(report_id)
    data = _store_final(ctx, record, report)
    ctx.store.notify(fillers(ctx, record.unit_id), f"【审核通过】{report.title()}已审核通过并定稿，发送 /docx 可下载定稿文档。", "review", report_id)
    ctx.outcome.ack = "审核通过"
    ctx.say(
        f"已审核通过，“{report.title()}”已定稿，已通知填报人。",
        document=(f"{report.title()}.docx", data) if data else None,
    )


def return_for_changes(ctx: Ctx, report_id: int) -> None:
    record = _reviewable(ctx, report_id)
    if record is None:
        return
    comments = open_comments(ctx, record)
    if not comments:
        ctx.say("退回前请先添加至少一条意见，说明需要修改的地方。")
        start_comment(ctx, report_id)
        return
    if not ctx.store.transition(record, ("review",), "draft", ctx.user, "return"):
        ctx.say(f"该报告当前为“{STATUS_TEXT[record.status]}”，已由他人处理或尚未提交，未作改变。")
        return
    title = ctx.store.load_report(report_id).title()
    text = "\n".join([f"【退回修改】{title}被审核人退回，请按以下意见修改后重新提交（/submit）："] + comment_lines(ctx, comments))
    ctx.store.notify(fillers(ctx, record.unit_id), text, "review", report_id)
    ctx.outcome.ack = "已退回"
    ctx.say(f"已退回修改，已通知填报人（{len(comments)}条意见）。")


def start_comment(ctx: Ctx, report_id: int) -> None:
    """Choose the part the remark is about; a table's remark may then name a row and column."""
    if _reviewable(ctx, report_id) is None:
        return
    ctx.new_buttons()
    rows = [
        [ctx.button(p.title, f"cpart:{report_id}:{p.key}") for p in ctx.script.parts[i : i + 2] if p.key != "finish"]
        for i in range(0, len(ctx.script.parts), 2)
    ]
    ctx.say("意见针对哪一部分？", [r for r in rows if r])


def choose_part(ctx: Ctx, arg: str) -> None:
    report_id, _, part = arg.partition(":")
    if not report_id.isdigit() or part not in {p.key for p in ctx.script.parts}:
        ctx.store.refuse(ctx.user, "cpart", arg[:60], "malformed button")
        ctx.say("按钮无效。")
        return
    if _reviewable(ctx, int(report_id)) is None:
        return
    ctx.state.comment = CommentWait(report=int(report_id), part=part)
    hint = "如针对表格中的某一格，请以行名和列名开头，例如：予以公开 自然人 应为3件" if part.startswith("table") else ""
    ctx.say(f"请输入对“{ctx.script.part(part).title}”的意见。{hint}（发送 /cancel 取消）")


def on_comment_text(ctx: Ctx, text: str) -> None:
    waiting = ctx.state.comment
    assert waiting is not None
    ctx.state.comment = None
    record = _reviewable(ctx, waiting.report)
    if record is None:
        return
    text = text.strip()
    if not text:
        ctx.state.comment = waiting
        ctx.say("意见不能为空，请输入意见内容。")
        return
    if len(text) > MAX_COMMENT:
        ctx.state.comment = waiting
        ctx.say(f"意见太长（{len(text)}字），请精简到{MAX_COMMENT}字以内。")
        return
    target, remark = locate(ctx.fmt, waiting.part, text)
    ctx.store.add_comment(id_of(record), target, remark, ctx.user)
    home(ctx, record.id, f"已添加意见（{target_label(ctx.fmt, ctx.script, target)}）：{remark}")
