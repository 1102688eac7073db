"""Settings from the environment and a .env file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from bot.core.config import KEYS, Config, DingTalkSettings, Values, read_env_file
from bot.storage.migrate import auto_upgrade_allowed


def test_env_file_and_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nTELEGRAM_BOT_TOKEN='123:abc'\nexport DATABASE_URL=sqlite:///x.db\nTZ=\nNIANBAO_WORKERS=0\n"
        "ADMIN_IDS=1, 2 ,\nbroken line\n",
        encoding="utf-8",
    )
    assert read_env_file(env_file)["TELEGRAM_BOT_TOKEN"] == "123:abc"
    config = Config.load(env={"DATABASE_URL": "postgresql+psycopg://u@h/db", "UNRELATED": "x"}, env_file=env_file)
    assert config.token == "123:abc"
    assert config.database_url == "postgresql+psycopg://u@h/db"  # the environment wins
    assert config.tz == "Asia/Shanghai" and config.workers == 0
    assert config.admin_ids == frozenset({"1", "2"})
    assert config.data_dir == Path("data")


def test_missing_env_file_means_defaults(tmp_path):
    config = Config.load(env={}, env_file=tmp_path / "none")
    assert config.token == "" and config.workers == 1 and config.proxy == ""


def test_every_setting_is_typed_and_sourced(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("NIANBAO_WEB_PORT=9100\nTZ=Asia/Urumqi\nNIANBAO_WARM_OFFICE=0\nDINGTALK_CLIENT_SECRET=s3cret\n", encoding="utf-8")
    env = {"NIANBAO_WEB_HOST": "0.0.0.0", "TZ": " ", "NIANBAO_TRUSTED_PROXIES": "127.0.0.1, 10.1.0.0/16,", "NIANBAO_AUTO_UPGRADE": "off",
           "DINGTALK_CLIENT_ID": "dingabc", "DINGTALK_API_BASE": "https://ding.example.gov.cn/", "DINGTALK_RATE": "5"}
    values = Values.read(env, env_file)
    assert values.source("NIANBAO_WEB_HOST") == "environment" and values.source("NIANBAO_WEB_PORT") == ".env"
    assert values.source("TZ") == "default"  # set blank in the environment, which wins over .env: the default
    assert values.source("DATABASE_URL") == "default"
    config = Config.from_values(values)
    assert config.problems == () and config.tz == "Asia/Shanghai"
    assert (config.web_host, config.web_port) == ("0.0.0.0", 9100)
    assert config.trusted_proxies == ("127.0.0.1", "10.1.0.0/16")
    assert config.auto_upgrade is False and config.warm_office is False
    assert config.dingtalk == DingTalkSettings("dingabc", "s3cret", api_base="https://ding.example.gov.cn", rate=5.0)
    assert DingTalkSettings.load(env, env_file) == config.dingtalk  # the thin wrapper reads the same
    assert Config.load({}, tmp_path / "none").auto_upgrade is None  # unset: by the kind of database


def test_wrong_values_are_problems_not_tracebacks(tmp_path):
    env = {"NIANBAO_WORKERS": "many", "NIANBAO_WEB_PORT": "http", "TELEGRAM_WEBHOOK_PORT": "70000", "DINGTALK_RATE": "fast",
           "DINGTALK_CLIENT_ID": "dingabc", "NIANBAO_CLOCK": "yesterday", "TZ": "Mars/Olympus", "NIANBAO_AUTO_UPGRADE": "maybe",
           "NIANBAO_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local", "NIANBAO_SMTP_HOST": "mail.example.gov.cn",
           "NIANBAO_SMTP_SECURITY": "ssl", "NIANBAO_WEB_BASE_URL": "gk.example.gov.cn"}
    config = Config.load(env, tmp_path / "none")
    named = [p.split(" ", 1)[0] for p in config.problems]
    assert sorted(named) == sorted(["NIANBAO_WORKERS", "NIANBAO_WEB_PORT", "TELEGRAM_WEBHOOK_PORT", "DINGTALK_RATE", "DINGTALK_CLIENT_ID",
                                    "NIANBAO_CLOCK", "TZ", "NIANBAO_AUTO_UPGRADE", "NIANBAO_TRUSTED_PROXIES", "NIANBAO_SMTP_SECURITY",
                                    "NIANBAO_WEB_BASE_URL"]), config.problems
    assert "NIANBAO_SMTP_SECURITY 应为 starttls、tls 或 none" in config.problems
    assert (config.workers, config.web_port, config.webhook_port, config.tz) == (1, 8080, 8443, "Asia/Shanghai")  # the defaults
    assert config.trusted_proxies == ("10.0.0.0/8",) and config.smtp is None and config.dingtalk is None
    assert config.clock_start is None and config.auto_upgrade is None
    assert Config.load({}, tmp_path / "none").problems == ()


def test_storage_takes_the_upgrade_setting_from_its_caller():
    assert auto_upgrade_allowed("sqlite:///x.sqlite3") and not auto_upgrade_allowed("postgresql+psycopg://h/db")
    assert not auto_upgrade_allowed("sqlite:///x.sqlite3", False) and auto_upgrade_allowed("postgresql+psycopg://h/db", True)


def test_only_the_settings_module_reads_the_environment():
    reading = re.compile(r"os\.environ\.get|os\.getenv|os\.environ\[|environ\.get\(|read_env_file\(")
    readers = [str(path.relative_to(ROOT)) for package in ("bot",) for path in (ROOT / package).rglob("*.py")
               if reading.search(path.read_text(encoding="utf-8"))]
    assert readers == ["bot/core/config.py"]


def readme_keys() -> set[str]:
    """The variables in the first column of the README's configuration table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Configuration", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "the README has no configuration table"
    return {key for row in rows for key in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_table_lists_exactly_the_settings_read():
    assert readme_keys() - set(KEYS) == set(), "the README lists settings the program does not read"
    assert set(KEYS) - readme_keys() == set(), "settings missing from the README's configuration table"
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    assert {k for k in KEYS if not re.search(rf"^#? ?{k}=", example, re.M)} == set(), "deploy/env.example lacks a setting"


def config_check(tmp_path: Path, env: dict[str, str], dotenv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    full = {k: v for k, v in os.environ.items() if k not in KEYS and not k.startswith(("TELEGRAM_", "DINGTALK_", "NIANBAO_SMTP", "NIANBAO_WEB"))}
    full |= {"PYTHONPATH": str(ROOT), "NIANBAO_DATA_DIR": str(tmp_path / "data")} | env
    return subprocess.run([sys.executable, "-m", "bot", "config", "check"], env=full, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


SECRETS = {"TELEGRAM_BOT_TOKEN": "123456:AAHtoken-secret-value", "TELEGRAM_WEBHOOK_SECRET": "hook-secret-0123456789",
           "DINGTALK_CLIENT_SECRET": "ding-secret-value", "NIANBAO_SMTP_PASSWORD": "smtp-pass-value"}


def test_config_check_shows_each_setting_its_source_and_no_secret(tmp_path):
    dotenv = "".join(f"{k}={v}\n" for k, v in SECRETS.items() if k != "TELEGRAM_BOT_TOKEN")
    dotenv += "DINGTALK_CLIENT_ID=dingabc\nNIANBAO_SMTP_HOST=mail.example.gov.cn\nNIANBAO_WEB_PORT=9100\nNIANBAO_WORKERS=3\n"
    dotenv += "TELEGRAM_WEBHOOK_URL=https://gk.example.gov.cn/tg\n"
    env = {"TELEGRAM_BOT_TOKEN": SECRETS["TELEGRAM_BOT_TOKEN"], "NIANBAO_WORKERS": "2",
           "DATABASE_URL": "postgresql+psycopg://nianbao:db-pass-value@127.0.0.1/nianbao"}
    done = config_check(tmp_path, env, dotenv)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "未发现问题" in done.stdout, output
    for secret in [*SECRETS.values(), "db-pass-value"]:
        assert secret not in output
    lines = {line.split(" = ", 1)[0].strip(): line for line in done.stdout.splitlines() if " = " in line}
    assert set(lines) == set(KEYS)
    assert lines["TELEGRAM_BOT_TOKEN"].endswith("[环境变量]") and "已隐藏" in lines["TELEGRAM_BOT_TOKEN"]
    assert lines["NIANBAO_SMTP_PASSWORD"].endswith("[.env 文件]") and "已隐藏" in lines["NIANBAO_SMTP_PASSWORD"]
    assert "nianbao:********@127.0.0.1/nianbao" in lines["DATABASE_URL"]
    assert " = 2  [环境变量]" in lines["NIANBAO_WORKERS"]  # the environment wins over .env
    assert " = 9100  [.env 文件]" in lines["NIANBAO_WEB_PORT"]
    assert " = Asia/Shanghai  [默认]" in lines["TZ"] and lines["NIANBAO_WEB_HOST"].endswith("[默认]")


def test_config_check_names_each_problem_and_exits_78(tmp_path):
    (tmp_path / "holidays.yaml").write_text("2027: [unclosed\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    dotenv = "NIANBAO_SMTP_HOST=mail.example.gov.cn\nNIANBAO_SMTP_SECURITY=ssl\nNIANBAO_HOLIDAYS=holidays.yaml\nNIANBAO_WEB_PROT=9100\n"
    env = {"TELEGRAM_API_BASE_URL": "ftp://relay.example/bot", "NIANBAO_DATA_DIR": str(tmp_path / "a-file" / "data"), "NIANBAO_WORKERS": "x"}
    done = config_check(tmp_path, env, dotenv)
    assert done.returncode == 78 and "Traceback" not in done.stderr, done.stderr
    problems = done.stderr.splitlines()[1:]
    assert len(problems) == 6, done.stderr
    assert "  NIANBAO_SMTP_SECURITY 应为 starttls、tls 或 none" in problems
    assert "  TELEGRAM_API_BASE_URL 应以 http:// 或 https:// 开头并包含主机名" in problems
    assert any(p.startswith("  NIANBAO_WORKERS 应为") for p in problems)
    assert any("节假日文件 holidays.yaml 有误" in p for p in problems)
    assert any("数据文件夹" in p and "a-file" in p for p in problems)
    assert any("NIANBAO_WEB_PROT" in p for p in problems)


def test_a_service_command_refuses_a_wrong_setting_in_one_line(tmp_path):
    full = {k: v for k, v in os.environ.items() if k not in KEYS} | {"PYTHONPATH": str(ROOT), "NIANBAO_DATA_DIR": str(tmp_path),
                                                                     "NIANBAO_WEB_PORT": "eighty"}
    done = subprocess.run([sys.executable, "-m", "bot", "web"], env=full, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 78 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[0] == "NIANBAO_WEB_PORT 应为1到65535之间的端口号（现为“eighty”）"


def test_the_web_page_trusts_the_configured_proxies():
    from bot.channels.web.state import WebSettings

    config = Config.load({"NIANBAO_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}, env_file=Path("/nonexistent/.env"))
    assert WebSettings.from_config(config).trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
