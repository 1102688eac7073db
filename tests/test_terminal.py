"""`nianbao chat` driven through pipes, as an operator without a bot token would use it."""

from __future__ import annotations

import os
import subprocess
import sys

import docx
from conftest import ROOT, SAMPLES
from tgharness import START


def chat(data_dir, lines: list[str], user: str = "clerk") -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NIANBAO_DATA_DIR=str(data_dir), NIANBAO_CLOCK=START.isoformat())
    env.pop("TELEGRAM_BOT_TOKEN", None)
    out = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", user],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120, env=env, cwd=str(data_dir),
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout


def choice(stdout: str, label: str) -> str:
    """The number the terminal shows for a button, from the last menu that has it."""
    for line in reversed(stdout.splitlines()):
        for part in line.split("  "):
            if part.endswith(f"] {label}"):
                return part[1 : part.index("]")]
    raise AssertionError(f"no choice {label!r} in:\n{stdout[-1500:]}")


def test_terminal_interview_resumes_and_writes_the_document(tmp_path):
    out = chat(tmp_path, ["次营镇人民政府"])
    assert "第 1/9 部分" in out and "本单位属于哪一级？" in out
    level = choice(out, "乡镇（街道）")
    out = chat(tmp_path, [level, "山西省 晋城市 阳城县"])
    assert "欢迎回来" in out  # a new process continues at the same question
    out = chat(tmp_path, [choice(out, "2026年度")])
    out = chat(tmp_path, [choice(out, "全国通用")])
    out = chat(tmp_path, [choice(out, "全部为0")])
    out = chat(tmp_path, ["/menu"])
    assert "✔ 1. 单位信息" in out and "✔ 2. 表二 主动公开" in out
    # upload this year's whole report as JSON by path, then ask for the document
    imported = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(SAMPLES / "township-2023-shandong-caohe.txt"), "-o", str(tmp_path / "r.json")],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60,
    )
    assert imported.returncode == 0
    text = (tmp_path / "r.json").read_text(encoding="utf-8").replace('"year": 2023', '"year": 2026').replace("2023年度", "2026年度")
    (tmp_path / "r.json").write_text(text, encoding="utf-8")
    out = chat(tmp_path, [str(tmp_path / "r.json")])
    assert "会替换已保存的" in out  # the typed answers (unit name, table 二) are not replaced without asking
    out = chat(tmp_path, [choice(out, "确认替换"), "/docx"])
    assert "已从JSON填入" in out and "【文件已保存】" in out
    path = next(line.split("】", 1)[1] for line in out.splitlines() if line.startswith("【文件已保存】"))
    document = docx.Document(path)
    assert document.tables and "漕河镇" in path


def test_terminal_bad_input_and_missing_file(tmp_path):
    out = chat(tmp_path, ["/start", "X", str(tmp_path / "nope.docx"), "/frobnicate"])
    assert "单位名称应为2到40个字" in out
    assert "找不到文件" in out
    assert "没有 /frobnicate 这个命令" in out


def test_terminal_county_flow_with_pasted_tokens(tmp_path):
    """An operator at the server creates a county; its coordinator and a clerk join by pasting tokens."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NIANBAO_DATA_DIR=str(tmp_path), NIANBAO_CLOCK=START.isoformat())
    env.pop("TELEGRAM_BOT_TOKEN", None)
    created = subprocess.run(
        [sys.executable, "-m", "bot", "county", "create", "阳城县", "--province", "山西省", "--city", "晋城市"],
        capture_output=True, text=True, env=env, timeout=60, cwd=str(tmp_path),
    )
    assert created.returncode == 0, created.stderr
    token_line = next(line for line in created.stdout.splitlines() if line.startswith("/start "))
    out = chat(tmp_path, [token_line, "/addunit 次营镇人民政府"], user="coordinator")
    assert "您已成为阳城县的协调人" in out and "已添加“次营镇人民政府”" in out
    clerk_token = next(line.split("：", 1)[1] for line in out.splitlines() if line.startswith("填报人："))
    out = chat(tmp_path, [clerk_token, "/status"], user="clerk")
    assert "您已加入“次营镇人民政府”（填报人）" in out and "填报中" in out
    out = chat(tmp_path, [clerk_token], user="second")
    assert "已被使用过" in out
    out = chat(tmp_path, ["/dashboard"], user="coordinator")
    assert "共1个单位" in out and "次营镇人民政府" in out
