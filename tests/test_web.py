"""The web channel over real HTTP on 127.0.0.1 with a real SQLite file: joining, the chat, the grids,
downloads and the county view."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from driver import make_service, narratives
from sqlmodel import select
from webharness import Client, Server, World

from bot.channels.web.state import WebSettings
from bot.core.config import Config
from bot.storage.models import AuditLog, ReportRecord


def test_health_headers_static_and_no_listing(server: Server) -> None:
    client = Client(server.url)
    health = client.get("/healthz")
    assert health.status == 200 and health.json() == {"ok": True, "database": "ok", "channels": {"web": "ok"}}
    page = client.get("/login")
    assert page.status == 200 and "登录" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/static/app.css").status == 200
    assert client.get("/static/").status in (403, 404)
    assert client.get("/static/../../storage/web_accounts.py").status in (403, 404)
    assert client.get("/").status == 302  # not logged in: to the login page


def test_all_zero_township_from_invite_to_docx(world: World) -> None:
    clerk = world.clerk
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    narratives(clerk)
    messages = clerk.say("/docx")
    doc = next(m["doc"] for m in messages if m.get("doc"))
    response = clerk.get(f"/doc/{doc['id']}")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.body)).paragraphs)
    assert "次营镇人民政府" in text and "政府信息公开工作年度报告" in text
    # Nobody else can fetch it, even with its id.
    assert world.other_clerk.get(f"/doc/{doc['id']}").status == 404


def test_table3_grid_edit_is_the_chat_row_edit_with_its_audit_entry(world: World) -> None:
    clerk = world.clerk
    clerk.tap("全部为0")
    grid = clerk.get("/api/grid").json()
    assert grid["layout"]["table3"]["rows"][0]["label"] == "本年新收"
    rows = {"NEW": ["2", "0", "0", "0", "0", "0"], "OPEN": ["1", "0", "0", "0", "0", "0"]}
    saved = clerk.api("/api/grid/table3", {"rows": rows}).json()
    assert saved["values"]["table3.NEW.NP"] == "2" and saved["values"]["table3.NEW.SUM"] == "2"
    assert any("已填入“本年新收”：2 0 0 0 0 0，总计2" in line for line in saved["saved"])  # a first entry is no change
    # The same stored answers, logged as a chat edit would be.
    with world.server.state.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == world.unit_id)).one()
        keys = {a.key for a in store.session.exec(select(AuditLog).where(AuditLog.report_id == record.id)).all()}
    assert "table3.NEW.NP" in keys and "table3.OPEN.NP" in keys
    # 表三 is incomplete (and unbalanced): the checker names the cells.
    named = {c for f in saved["findings"] for c in f["cells"]}
    assert "table3.NEW.NP" in named or "table3.FWD.NP" in named
    bad = clerk.api("/api/grid/table3", {"rows": {"NEW": ["x", "0", "0", "0", "0", "0"]}})
    assert bad.status == 400 and "不是数字" in bad.json()["error"]


def test_table2_and_table4_grids_answer_the_questions_in_order(world: World) -> None:
    clerk = world.clerk
    values = {"table2.NORM.made": "2", "table2.NORM.repealed": "0", "table2.NORM.valid": "5", "table2.LIC": "12",
              "table2.PUN": "3", "table2.COE": "0", "table2.FEE": "1.25",
              "table2.REG.made": "0", "table2.REG.repealed": "0", "table2.REG.valid": "0"}
    saved = clerk.api("/api/grid/table2", {"values": values})
    assert saved.status == 200, saved.text
    got = saved.json()["values"]
    assert got["table2.NORM.valid"] == "5" and got["table2.LIC"] == "12" and got["table2.FEE"] == "1.25"
    t4 = {f"table4.{r}.{c}": "0" for r in ("RV", "LD", "LR") for c in "MCOP"} | {"table4.RV.M": "1"}
    saved4 = clerk.api("/api/grid/table4", {"values": t4}).json()
    assert saved4["values"]["table4.RV.T"] == "1"


def test_coordinator_dashboard_unit_view_and_collection(world: World) -> None:
    page = world.coordinator.get("/county")
    assert page.status == 200 and "次营镇人民政府" in page.text and "北留镇人民政府" in page.text
    unit = world.coordinator.get(f"/county/unit/{world.unit_id}")
    assert unit.status == 200
    collected = world.coordinator.form("/county/collect", {})
    assert collected.status == 200 and collected.headers["Content-Type"] == "application/zip"
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(collected.body)).namelist()
    assert any(n.endswith(".xlsx") for n in names)


def test_county_pages_show_the_year_asked_for(world: World) -> None:
    """A coordinator can look back at last year's reports (the default is the year being reported, 2026
    here); a year no report can have falls back to it."""
    with world.server.state.repo.transaction() as store:
        last_year = store.report_for(world.unit_id, 2025)
        store.set_answers(last_year.id, {"table2.LIC": 41}, None)
    page = world.coordinator.get("/county?year=2025")
    assert "2025年度" in page.text and f"/county/unit/{world.unit_id}?year=2025" in page.text
    lic = 'data-path="table2.LIC" data-part="table2"'
    unit = world.coordinator.get(f"/county/unit/{world.unit_id}?year=2025")
    assert unit.status == 200 and "2025年政府信息公开工作年度报告" in unit.text and f'{lic} data-label="' in unit.text
    assert unit.text.split(lic, 1)[1].split(">", 1)[1].startswith("41<")
    current = world.coordinator.get(f"/county/unit/{world.unit_id}")
    assert current.status == 200 and "2025年政府信息公开工作年度报告" not in current.text
    for wrong in ("1999", "abcd", "20255", "2099", "-1"):
        assert "次营镇" in world.coordinator.get(f"/county?year={wrong}").text
        assert "2026年度" in world.coordinator.get(f"/county?year={wrong}").text


def test_base_url_prefix_and_secure_cookie() -> None:
    settings = WebSettings("127.0.0.1", 8080, "https://gk.example.gov.cn/nianbao/")
    assert settings.prefix == "/nianbao" and settings.secure
    assert WebSettings.from_config(Config(web_port=9000)).public == "http://127.0.0.1:9000"


def test_nianbao_web_prints_its_address_and_a_one_time_setup_link(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import urllib.request

    from webharness import free_port

    port = free_port()
    env = dict(os.environ, NIANBAO_DATA_DIR=str(tmp_path / "data"), NIANBAO_CLOCK="2026-11-23")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "web", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"年报助手网页版已启动：http://127.0.0.1:{port}/"
        assert "一次性链接" in proc.stdout.readline()
        link = proc.stdout.readline().strip()
        assert link.startswith(f"http://127.0.0.1:{port}/setup/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            assert health.status == 200
        with urllib.request.urlopen(link, timeout=10) as setup:
            assert "设置管理员账号" in setup.read().decode()
    finally:
        proc.terminate()
        proc.wait(10)
    assert (tmp_path / "data" / "nianbao.sqlite3").exists()


def test_behind_a_proxy_links_redirects_and_cookie_carry_the_path_prefix(tmp_path: Path) -> None:
    """NIANBAO_WEB_BASE_URL=https://…/nianbao: the proxy strips /nianbao (deploy/nginx.conf.example); every
    link, redirect and the cookie's path put it back, and the cookie is Secure."""
    srv = Server(make_service(tmp_path), base_url="https://gk.example.gov.cn/nianbao")
    try:
        client = Client(srv.url)
        assert client.get("/").headers["Location"] == "/nianbao/login?next=/"
        page = client.get("/login")
        assert 'href="/nianbao/static/app.css"' in page.text and 'action="/nianbao/login?next=/"' in page.text
        link = srv.state.setup_link()
        assert link is not None and link.startswith("https://gk.example.gov.cn/nianbao/setup/")
        path = link.removeprefix("https://gk.example.gov.cn/nianbao")
        pre = next(v for k, v in client.get(path).headers.items() if k == "Set-Cookie" and v.startswith("nb_pre="))
        assert "Path=/nianbao" in pre and "Secure" in pre
        # Without the proxy in between, the browser would not send a /nianbao, Secure cookie: send it as it would.
        client.opener.addheaders = [("Cookie", pre.split(";")[0])]
        response = client.form(path, {"login": "管理员", "password": "12345678x", "password2": "12345678x"})
        assert response.headers["Location"] == "/nianbao/operator"
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("nb_session="))
        assert "Path=/nianbao" in cookie and "Secure" in cookie
    finally:
        srv.stop()


def test_reviewer_comments_on_a_cell_and_returns_from_the_units_page(world: World) -> None:
    clerk, reviewer = world.clerk, world.reviewer
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    narratives(clerk)
    clerk.say("/submit")
    page = reviewer.get(f"/county/unit/{world.unit_id}")
    assert page.status == 200 and 'id="review-form"' in page.text and 'data-label="本年新收 自然人"' in page.text
    assert 'id="review-form"' not in world.coordinator.get(f"/county/unit/{world.unit_id}").text  # reads, never reviews
    # A clerk of the unit posting the reviewer's form: the engine refuses, nothing is recorded.
    clerk.form(f"/county/unit/{world.unit_id}/review", {"action": "comment", "part": "table3", "text": "本年新收 自然人：冒充"})
    assert clerk.get("/api/grid").json()["comments"] == []
    done = reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "comment", "part": "table3", "text": "本年新收 自然人：应为1件"})
    assert done.status == 302
    assert reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "return"}).status == 302
    grid = clerk.get("/api/grid").json()
    assert grid["status"] == "draft"
    assert grid["comments"] == [{"target": "table3.NEW.NP", "text": "应为1件"}]
    assert "应为1件" in reviewer.get(f"/county/unit/{world.unit_id}").text


def test_an_unchanged_grid_is_answered_304(world: World) -> None:
    clerk = world.clerk
    clerk.tap("全部为0")
    first = clerk.get("/api/grid")
    etag = first.headers["ETag"]
    assert first.status == 200 and "no-store" not in first.headers["Cache-Control"]
    assert clerk.request("GET", "/api/grid", headers={"If-None-Match": etag}).status == 304
    clerk.say("/status")  # reads only: the grid is the same
    assert clerk.request("GET", "/api/grid", headers={"If-None-Match": etag}).status == 304
    clerk.api("/api/grid/table3", {"rows": {"NEW": ["1", "0", "0", "0", "0", "0"]}})
    changed = clerk.request("GET", "/api/grid", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag and changed.json()["values"]["table3.NEW.NP"] == "1"
    assert world.other_clerk.request("GET", "/api/grid", headers={"If-None-Match": etag}).status == 200
