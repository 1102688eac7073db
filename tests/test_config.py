"""Settings from the environment and a .env file."""

from __future__ import annotations

from pathlib import Path

from bot.config import Config, read_env_file


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
