"""The README teaches what the code does: every `newscrawl` command, every `NEWS_*` setting and
every path of its layout table are in it (sqlite-utils' habit of tests that check the docs)."""
from __future__ import annotations

import re
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, click.Command]:
    """Every `newscrawl` command, subcommands of groups included: {"cluster crawl": command}."""
    from crawler.cli import main
    found = {}

    def walk(prefix: str, group: click.Group) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):       # the ones imported when used too
            command = group.get_command(context, name)
            found[f"{prefix}{name}"] = command
            if isinstance(command, click.Group):
                walk(f"{prefix}{name} ", command)
    walk("", main)
    return found


def test_every_newscrawl_command_is_in_the_readme():
    missing = [name for name in _commands()
               if not re.search(rf"newscrawl {re.escape(name)}\b", README)]
    assert not missing, f"commands not shown in README.md: {missing}"


def test_every_option_of_every_command_is_in_the_readme():
    missing = []
    for name, command in _commands().items():
        for param in command.params:
            if isinstance(param, click.Option):
                if not any(opt in README for opt in param.opts):
                    missing.append(f"newscrawl {name} {param.opts[0]}")
    assert not missing, f"options not documented in README.md: {missing}"


def test_every_news_setting_is_in_the_readme():
    settings = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"^(NEWS_[A-Z_]+)\s*[:=]", settings, re.M)))
    assert names, "crawler/settings.py declares no NEWS_* setting?"
    missing = [n for n in names if n not in README]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_every_news_setting_read_by_the_code_has_its_default_in_settings():
    settings = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8")
    declared = set(re.findall(r"^(NEWS_[A-Z_]+)\s*[:=]", settings, re.M))
    used = set()
    for path in [*(ROOT / "crawler").rglob("*.py"), *(ROOT / "spiders").rglob("*.py"),
                 ROOT / "scheduler.py"]:
        used |= set(re.findall(r"[\"'](NEWS_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert not (used - declared), f"read but given no default in settings.py: {used - declared}"


def test_the_layout_table_matches_the_tree():
    section = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"^\| ([^|]+) \|", section, re.M)
    named = [p.strip("` ") for row in paths for p in re.findall(r"`([^`]+)`", row)]
    assert named, "no paths in the layout table"
    missing = [p for p in named if not (ROOT / p.rstrip("/").split(" ")[0]).exists()]
    assert not missing, f"the layout table names paths that do not exist: {missing}"


def test_each_news_default_is_written_once_in_settings():
    """No `settings.getint("NEWS_X", 5)` beside `NEWS_X = 10` in settings.py: one default."""
    inline = []
    for path in [*(ROOT / "crawler").rglob("*.py"), *(ROOT / "spiders").rglob("*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"get(int|float|bool|list)?\(\s*[\"']NEWS_[A-Z_]+[\"']\s*,", line):
                inline.append(f"{path.relative_to(ROOT)}:{number}")
    assert not inline, f"NEWS_* settings read with a default of their own: {inline}"
