"""The README keeps its promises: commands documented, the two quick-start commands true."""

import re
from pathlib import Path

import click

from pos.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "pos") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def test_every_command_is_in_the_readme():
    missing = [c for c in _commands(main) if c not in README]
    assert not missing, f"README does not document: {missing}"


def test_quick_start_gives_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["bash .ci/demo", "bash .ci/test"]
    for command in commands:
        assert (ROOT / command.split()[1]).is_file()


def test_ci_runs_the_readme_test_command():
    assert "bash .ci/test" in (ROOT / ".ci" / "run").read_text()


def test_htmx_is_vendored_with_its_version():
    vendored = list((ROOT / "static" / "vendor").glob("htmx-*.min.js"))
    assert len(vendored) == 1
    version = vendored[0].name.removeprefix("htmx-").removesuffix(".min.js")
    assert f'version:"{version}"' in vendored[0].read_text().replace(" ", "")
    assert vendored[0].name in (ROOT / "templates" / "base.html").read_text()
