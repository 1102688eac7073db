"""A real web server on 127.0.0.1 (a free port, its own thread and loop) and a cookie-keeping HTTP
client, for the web channel's tests, the browser tests and the load benchmark."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from conftest import free_port

from bot.channels.web.app import build_app, serve
from bot.channels.web.state import STATE, WebSettings
from bot.interview.service import Service

LINK = re.compile(r"https?://[^\s/]+(/(?:join|setup|reset)/[A-Za-z0-9_-]+)")


class Server:
    """The web app serving `service` until stop()."""

    def __init__(self, service: Service, base_url: str = "", checks: dict[str, Any] | None = None):
        self.port = free_port()
        self.settings = WebSettings("127.0.0.1", self.port, base_url)
        self.app = build_app(service, self.settings, service.engine.clock, checks)
        self.state = self.app[STATE]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("web server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner: web.AppRunner = self.loop.run_until_complete(serve(self.app, self.settings))
        self._ready.set()
        self.loop.run_forever()

    def setup_path(self) -> str:
        link = self.state.setup_link()
        assert link is not None
        return link.removeprefix(self.url)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    status: int
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One browser's worth of cookies; redirects are returned, not followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Response:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                resp = Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as exc:
            resp = Response(exc.code, exc.headers, exc.read())
        found = re.search(rb'data-csrf="([^"]+)"', resp.body) or re.search(rb'name="csrf" value="([^"]+)"', resp.body)
        if found and found.group(1):
            self.csrf = found.group(1).decode()
        return resp

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def form(self, path: str, fields: dict[str, str], csrf: bool = True) -> Response:
        data = dict(fields) | ({"csrf": self.csrf} if csrf else {})
        body = urllib.parse.urlencode(data).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def api(self, path: str, payload: Any, csrf: bool = True) -> Response:
        headers = {"Content-Type": "application/json"} | ({"X-CSRF-Token": self.csrf} if csrf else {})
        return self.request("POST", path, json.dumps(payload).encode(), headers)

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "") or ""

    # ---- as a person uses the page ----

    def join(self, link_path: str, login: str, password: str = "correct-horse-1") -> Response:
        self.get(link_path)
        response = self.form(link_path, {"login": login, "password": password, "password2": password})
        assert response.status == 302, response.text[:500]
        self.get("/")  # the page: its CSRF token
        return response

    def login(self, login: str, password: str = "correct-horse-1") -> Response:
        self.get("/login")
        response = self.form("/login", {"login": login, "password": password})
        if response.status == 302:
            self.get("/")
        return response

    def say(self, text: str) -> list[dict[str, Any]]:
        response = self.api("/api/send", {"kind": "text", "text": text})
        assert response.status == 200, response.text[:300]
        return response.json()["messages"]

    def messages(self) -> list[dict[str, Any]]:
        return self.get("/api/messages").json()["messages"]

    def tap(self, label: str) -> list[dict[str, Any]]:
        for message in reversed(self.messages()):
            for line in message.get("buttons") or []:
                for b in line:
                    if b["label"] == label:
                        response = self.api("/api/send", {"kind": "button", "text": b["data"], "label": label})
                        assert response.status == 200
                        return response.json()["messages"]
        raise AssertionError(f"no button {label!r} in {[m['text'][:80] for m in self.messages()[-3:]]}")


def link_in(messages: list[dict[str, Any]], after: str = "") -> str:
    """The first /join link in the bot's messages (after a line starting with `after`)."""
    for m in messages:
        for line in m["text"].splitlines():
            if line.startswith(after):
                found = LINK.search(line)
                if found:
                    return found.group(1)
    raise AssertionError(f"no link in {[m['text'] for m in messages]}")


@dataclass
class World:
    """A county built through the web page itself: operator, coordinator, 次营镇's clerk and reviewer,
    北留镇's clerk, and a coordinator of another county."""

    server: Server
    operator: Client
    coordinator: Client
    clerk: Client
    reviewer: Client
    other_clerk: Client
    far_coordinator: Client
    unit_id: int
    other_unit_id: int


def unit_ids(server: Server) -> dict[str, int]:
    from sqlmodel import select

    from bot.storage.models import Unit

    with server.state.repo.transaction() as store:
        return {u.name: u.id for u in store.session.exec(select(Unit)).all()}  # type: ignore[misc]


def county_link(operator: Client, name: str) -> str:
    operator.get("/operator")
    response = operator.form("/operator", {"name": name, "province": "山西省", "city": "晋城市"})
    assert response.status == 200, response.text[:300]
    found = LINK.search(response.text)
    assert found, response.text
    return found.group(1)


def build_world(server: Server) -> World:
    operator = Client(server.url)
    operator.join(server.setup_path(), "管理员")
    coordinator = Client(server.url)
    coordinator.join(county_link(operator, "阳城县"), "阳城协调人")
    added = coordinator.say("/addunit 次营镇人民政府")
    clerk, reviewer, other_clerk, far = (Client(server.url) for _ in range(4))
    clerk.join(link_in(added, "填报人"), "次营填报")
    reviewer.join(link_in(added, "审核人"), "次营审核")
    other_clerk.join(link_in(coordinator.say("/addunit 北留镇人民政府"), "填报人"), "北留填报")
    far.join(county_link(operator, "沁水县"), "沁水协调人")
    ids = unit_ids(server)
    return World(server, operator, coordinator, clerk, reviewer, other_clerk, far, ids["次营镇人民政府"], ids["北留镇人民政府"])


def onboard_web(clerk: Client) -> None:
    """A clerk who joined a unit answers the unit's questions up to 表二."""
    from driver import onboard

    onboard(clerk, name="次营镇人民政府")


def account(server: Server, login: str, password: str = "correct-horse-1") -> Client:
    """A logged-in web person who belongs to nothing (made at the server, as an operator's script would)."""
    import secrets

    from bot.storage import web_accounts as wa

    with server.state.repo.transaction() as store:
        user = store.user("web", secrets.token_hex(8), login)
        wa.create_account(store, login, password, user.id)  # type: ignore[arg-type]
    client = Client(server.url)
    assert client.login(login, password).status == 302
    return client


def refusals(server: Server, login: str) -> list[Any]:
    """The refusals logged for a web login (table `refusal`)."""
    from sqlmodel import select

    from bot.storage.models import Refusal, User

    with server.state.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.channel == "web", User.display_name == login)).one()
        return list(store.session.exec(select(Refusal).where(Refusal.user_id == user.id)).all())
