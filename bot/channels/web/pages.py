"""The HTML of the pages: built with html.escape around every value, so a clerk's text stays text.

Plain HTML, one stylesheet and small scripts served by the bot itself: no CDN, no internet.
"""

from __future__ import annotations

from html import escape
from typing import Any

APP_NAME = "年报助手"


def page(prefix: str, title: str, body: str, *, csrf: str = "", scripts: tuple[str, ...] = (), user: str = "", nav: str = "",
         unread: int | None = None) -> str:
    """A whole page. `body` is HTML already escaped by its builder.

    A logged-in person's header has 通知 with the unread count (`unread` when the handler knows it; else
    static/notices.js fills it in, and keeps it current while the page is open) and 个人信息."""
    head_user = ""
    if user:
        scripts = (*scripts, "notices.js") if "notices.js" not in scripts else scripts
        head_user = (
            notices_link(prefix, unread or 0)
            + f'<a href="{prefix}/profile" id="profile-link">个人信息</a>'
            f'<span class="who">{escape(user)}</span>'
            f'<a href="{prefix}/password">修改密码</a>'
            f'<form method="post" action="{prefix}/logout" class="inline"><input type="hidden" name="csrf" value="{escape(csrf)}">'
            '<button type="submit" class="link">退出</button></form>'
        )
    script_tags = "".join(f'<script src="{prefix}/static/{escape(s)}" defer></script>' for s in scripts)
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {APP_NAME}</title>"
        f'<link rel="stylesheet" href="{prefix}/static/app.css">{script_tags}</head>'
        f'<body data-prefix="{escape(prefix)}" data-csrf="{escape(csrf)}">'
        f'<header class="top"><a class="brand" href="{prefix}/">{APP_NAME}</a>{nav}<span class="spacer"></span>{head_user}</header>'
        f"<main>{body}</main></body></html>"
    )


def notices_link(prefix: str, unread: int) -> str:
    """通知 with its badge: the unread count, hidden when there is none."""
    count = "99+" if unread > 99 else str(unread)
    title = f"{unread}条未读通知" if unread > 0 else "通知"
    hidden = "" if unread > 0 else " hidden"
    return (f'<a href="{prefix}/inbox" id="notice-link" class="notice-link" title="{title}">通知'
            f'<span id="notice-badge" class="badge"{hidden}>{count}</span></a>')


def message(prefix: str, title: str, text: str, link: tuple[str, str] | None = None) -> str:
    more = f'<p><a class="button" href="{escape(link[0])}">{escape(link[1])}</a></p>' if link else ""
    return page(prefix, title, f'<section class="card narrow"><h1>{escape(title)}</h1><p>{escape(text)}</p>{more}</section>')


def field(name: str, label: str, kind: str = "text", value: str = "", autocomplete: str = "") -> str:
    auto = f' autocomplete="{autocomplete}"' if autocomplete else ""
    return (
        f'<label>{escape(label)}<input name="{name}" id="{name}" type="{kind}" value="{escape(value)}" required{auto}></label>'
    )


def form_page(prefix: str, title: str, action: str, fields: list[str], *, intro: str = "", error: str = "",
              csrf_field: str = "", submit: str = "确定", user: str = "", csrf: str = "") -> str:
    err = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    text = f"<p>{escape(intro)}</p>" if intro else ""
    body = (
        f'<section class="card narrow"><h1>{escape(title)}</h1>{text}{err}'
        f'<form method="post" action="{escape(action)}">{csrf_field}{"".join(fields)}'
        f'<button type="submit" id="submit">{escape(submit)}</button></form></section>'
    )
    return page(prefix, title, body, user=user, csrf=csrf)


def new_account_fields(login: str = "") -> list[str]:
    return [
        field("login", "登录名（字母、数字或中文，2–32个字符）", value=login, autocomplete="username"),
        field("password", "密码（至少8位）", "password", autocomplete="new-password"),
        field("password2", "再次输入密码", "password", autocomplete="new-password"),
    ]


def app_page(prefix: str, csrf: str, user: str, nav: str) -> str:
    """The chat beside the three tables; the scripts fill both from the API."""
    body = (
        '<div class="workspace">'
        '<section class="chat" aria-label="问答">'
        '<div id="messages" class="messages" aria-live="polite"></div>'
        '<form id="composer" class="composer">'
        '<button type="button" id="menu" class="secondary" title="跳到某一部分">目录</button>'
        '<textarea id="text" rows="2" placeholder="输入回答，Enter 发送，Shift+Enter 换行"></textarea>'
        '<label class="upload secondary" title="上传 .docx / .txt / .json">上传<input id="file" type="file" accept=".docx,.txt,.json"></label>'
        '<button type="submit" id="send">发送</button></form>'
        "</section>"
        '<section class="tables" aria-label="表格">'
        '<nav class="tabs"><button data-table="table2">表二</button><button data-table="table3" class="active">表三</button>'
        '<button data-table="table4">表四</button></nav>'
        '<div id="grid-title" class="grid-title"></div>'
        '<div id="grid" class="grid-wrap"></div>'
        '<div class="grid-actions"><button id="grid-save">保存表格</button><span id="grid-note" class="note"></span></div>'
        '<ul id="findings" class="findings"></ul>'
        "</section></div>"
    )
    return page(prefix, "填报", body, csrf=csrf, scripts=("chat.js", "grid.js"), user=user, nav=nav)


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
