"""The HTML of the pages: Jinja2 templates (bot/channels/web/templates/) with autoescaping, so a clerk's
text stays text; the older small builders below escape each value with html.escape.

Plain HTML, one stylesheet and small scripts served by the bot itself: no CDN, no internet.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.core.progress import STATUS_TEXT, default_year

APP_NAME = "年报助手"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every {{ value }} escaped; HTML built elsewhere passes only through an explicit |safe
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, prefix: str, title: str, *, csrf: str = "", scripts: tuple[str, ...] = (), user: str = "",
           nav: str = "", unread: int | None = None, **values: Any) -> str:
    """A whole page from a template extending base.html (the header as `page` builds it)."""
    if user and "notices.js" not in scripts:
        scripts = (*scripts, "notices.js")
    count = unread or 0
    return TEMPLATES.get_template(template).render(
        prefix=prefix, title=title, csrf=csrf, scripts=scripts, user=user, nav=nav, app_name=APP_NAME, unread=count,
        unread_count="99+" if count > 99 else str(count), unread_title=f"{count}条未读通知" if count > 0 else "通知", **values)


def page(prefix: str, title: str, body: str, *, csrf: str = "", scripts: tuple[str, ...] = (), user: str = "", nav: str = "",
         unread: int | None = None) -> str:
    """A whole page. `body` is HTML already escaped by its builder.

    A logged-in person's header has 通知 with the unread count (`unread` when the handler knows it; else
    static/notices.js fills it in, and keeps it current while the page is open) and 个人信息."""
    return render("base.html", prefix, title, csrf=csrf, scripts=scripts, user=user, nav=nav, unread=unread, body=body)


def notices_link(prefix: str, unread: int) -> str:
    """通知 with its badge: the unread count, hidden when there is none."""
    count = "99+" if unread > 99 else str(unread)
    title = f"{unread}条未读通知" if unread > 0 else "通知"
    hidden = "" if unread > 0 else " hidden"
    return (f'<a href="{prefix}/inbox" id="notice-link" class="notice-link" title="{title}">通知'
            f'<span id="notice-badge" class="badge"{hidden}>{count}</span></a>')


def message(prefix: str, title: str, text: str, link: tuple[str, str] | None = None) -> str:
    """A short page saying one thing (each line a paragraph), with a button to go on (`link`: URL, label)."""
    return render("message.html", prefix, title, text=text, link=link, back="")


def field(name: str, label: str, kind: str = "text", value: str = "", autocomplete: str = "") -> str:
    auto = f' autocomplete="{autocomplete}"' if autocomplete else ""
    return (
        f'<label>{escape(label)}<input name="{name}" id="{name}" type="{kind}" value="{escape(value)}" required{auto}></label>'
    )


def form_page(prefix: str, title: str, action: str, fields: list[str], *, intro: str = "", error: str = "",
              csrf_field: str = "", submit: str = "确定", user: str = "", csrf: str = "") -> str:
    """A small form (`fields`: HTML from `field`, escaped there)."""
    return render("form.html", prefix, title, user=user, csrf=csrf, action=action, fields=fields, intro=intro, error=error,
                  csrf_field=csrf_field, submit=submit)


def new_account_fields(login: str = "") -> list[str]:
    return [
        field("login", "登录名（字母、数字或中文，2–32个字符）", value=login, autocomplete="username"),
        field("password", "密码（至少8位）", "password", autocomplete="new-password"),
        field("password2", "再次输入密码", "password", autocomplete="new-password"),
    ]


def app_page(prefix: str, csrf: str, user: str, nav: str, desk: dict[str, Any] | None = None) -> str:
    """The chat beside the three tables (the scripts fill both from the API); above them the unit and year of
    the report being filled, the year form, 提交审核 and the documents (`desk`: `clerk_desk`'s answer)."""
    return render("app.html", prefix, "填报", csrf=csrf, scripts=("chat.js", "grid.js", "copy.js"), user=user, nav=nav,
                  desk=desk or {})


def clerk_desk(store: Any, external_id: str, engine: Any) -> dict[str, Any]:
    """What the clerk's page shows above the chat: the conversation's unit and year, the person's role, the
    years it may switch to (2008 to the year being reported)."""
    account = store.identity("web", external_id)
    conv = store.conversation(account) if account is not None else None
    record = store.report_record(conv.report_id) if conv is not None and conv.report_id else None
    unit = store.unit(record.unit_id) if record is not None else None
    if record is None or unit is None:
        return {}
    return {"unit_id": unit.id, "unit": unit.name, "year": record.year, "status": record.status, "status_label": STATUS_TEXT.get(record.status, ""),
            "role": store.role(account, unit.id), "years": list(range(default_year(engine.today()), 2007, -1))}


def nav_links(prefix: str, items: list[tuple[str, str]]) -> str:
    return "".join(f'<a href="{prefix}{escape(path)}">{escape(label)}</a>' for path, label in items)


def table(headers: list[tuple[str, str]], rows: list[list[Any]], table_id: str = "") -> str:
    """A sortable table: `headers` (label, sort type: text|num); each cell is (shown html, sort key)."""
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f'<th data-sort="{kind}" tabindex="0">{escape(label)}</th>' for label, kind in headers)
    body = "".join(
        "<tr>" + "".join(f'<td data-key="{escape(str(key))}">{shown}</td>' for shown, key in row) + "</tr>" for row in rows
    )
    return f'<table class="sortable"{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
