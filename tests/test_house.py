"""The house: a lean install (runtime apart from the test tools), the demo on this machine only
unless asked, key files never committed, and no one machine's path in the repository."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from pos.cli import serve

ROOT = Path(__file__).resolve().parent.parent
MACHINE_PATHS = re.compile("/" + "(?:root|home|work)/")  # spelt so that this file does not match
TEST_TOOLS = ("pytest", "playwright", "hypothesis", "ruff", "schemathesis", "requests")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_machine_path_in_the_repository():
    found = []
    for path in tracked_files():
        if not path.is_file() or path.suffix in (".mo", ".png", ".jpg", ".ico", ".br", ".gz"):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if MACHINE_PATHS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


@pytest.mark.parametrize(
    "name",
    [
        "etal-demo.db",
        "etal-demo.db-wal",
        "etal-demo.db.key",
        "etal-demo.db.secret",
        "etal-demo.db.pub",
        "coop.db.files/logo.png",
    ],
)
def test_demo_databases_and_key_files_are_ignored_by_git(name):
    checked = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
    assert checked.returncode == 0, f"{name} could be committed"


def test_the_runtime_needs_no_test_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    assert [tool for tool in TEST_TOOLS if tool in runtime] == []
    extras = " ".join(project["optional-dependencies"]["test"]).lower()
    assert all(tool in extras for tool in TEST_TOOLS)


def test_the_demo_and_the_pi_install_the_runtime_only_and_the_tests_everything():
    setup = (ROOT / ".ci" / "setup").read_text()
    test_only = setup.split("if [[ $TEST == 1 ]]; then", 1)
    assert "[test]" not in test_only[0] and "'.[test]'" in test_only[1].split("fi", 1)[0]
    assert re.search(r"^bash \.ci/setup$", (ROOT / ".ci" / "demo").read_text(), re.M)
    assert "bash .ci/setup --test --browser" in (ROOT / ".ci" / "test").read_text()
    assert "bash .ci/setup`" in (ROOT / "README.md").read_text()  # the Pi's install step


def test_the_demo_says_what_it_does_and_where_the_tests_run():
    demo = (ROOT / ".ci" / "demo").read_text()
    assert "bash .ci/test" in demo and "second terminal" in demo  # "dans un second terminal"
    assert '--host "$HOST"' in demo and "HOST=127.0.0.1" in demo and "${PORT:-8000}" in demo


def test_the_server_listens_on_this_machine_unless_asked():
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    readme = (ROOT / "README.md").read_text()
    assert "--host 0.0.0.0" in readme and "PORT=" in readme


def test_the_seeded_coop_is_made_again_when_the_stalls_day_changes(tmp_path):
    from datetime import timedelta

    from tests.conftest import SeededCoops

    coops = SeededCoops(tmp_path)
    first = coops["open"]
    assert coops["open"] == first  # the same day: the same file, seeded once
    coops.day -= timedelta(days=1)  # as if the session had started yesterday
    again = coops["open"]
    assert again != first and again.is_file() and coops["closed"].is_file()
