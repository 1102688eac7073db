"""The package as `pip install .` makes it: built as a wheel, installed into a fresh virtual environment
outside the source tree, it renders a report (templates and styles are package data)."""

from __future__ import annotations

import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import docx
from conftest import ROOT
from factories import zero_report


def test_the_wheel_installs_and_renders_outside_the_source_tree(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("bot",):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True, cwd=tmp_path, timeout=240,
    )
    wheel = next(dist.glob("nianbao-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/templates/styles.yaml" in names and "bot/templates/overview.j2" in names and "bot/format/data/gov-2021.yaml" in names
    assert "bot/storage/migrations/script.py.mako" in names and "bot/storage/migrations/versions/r0001_baseline.py" in names

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # the dependencies come from the test environment's site-packages (read as plain paths: its
    # editable-install hook is not loaded), the project only from the wheel
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(purelib)

    report = tmp_path / "r.json"
    report.write_text(zero_report().to_json(), encoding="utf-8")
    out = tmp_path / "out" / "r.docx"
    out.parent.mkdir()
    done = subprocess.run(
        [python, "-I", "-c", "import bot, sys; print(bot.__file__); from bot.channels.cli.commands import main; sys.exit(main())",
         "render", str(report), "-o", str(out)],
        cwd=tmp_path / "out", capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(purelib), done.stdout  # the installed copy, not the source tree
    upgraded = subprocess.run(
        [python, "-I", "-c", "import sys; from bot.channels.cli.commands import main; sys.exit(main())", "db", "upgrade"],
        cwd=tmp_path / "out", capture_output=True, text=True, timeout=120, env={"NIANBAO_DATA_DIR": str(tmp_path / "data")},
    )
    assert upgraded.returncode == 0 and re.search(r"升级到 \d{4}", upgraded.stdout), upgraded.stderr  # the migrations are package data
    title = "".join(p.text for p in docx.Document(str(out)).paragraphs[:2])
    assert title == "测试镇人民政府2024年政府信息公开工作年度报告"
