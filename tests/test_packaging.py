"""A plain `pip install .` carries what the app needs: templates, static, printers, migrations."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(folder: Path) -> Path:
    """`pip wheel .` into folder, as a plain install would build it (no stale build/ reused)."""
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "-w", str(folder), str(ROOT)], check=True, capture_output=True)
    return next(folder.glob("etal_pos-*.whl"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built once for the tests that read it."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_templates_static_printers_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "pos/templates/base.html",
        "pos/templates/sell/index.html",
        "pos/static/vendor/htmx-2.0.11.min.js",
        "pos/static/css/etal.css",
        "pos/static/manifest.webmanifest",
        "pos/printers/99-escpos.rules",
        "pos/migrations/0001_base.sql",
        "pos/translations/en/LC_MESSAGES/messages.mo",
    ):
        assert expected in names, expected
    for source in (ROOT / "templates").rglob("*.html"):
        assert f"pos/templates/{source.relative_to(ROOT / 'templates')}" in names
    for source in (ROOT / "pos").rglob("*.py"):
        assert f"pos/{source.relative_to(ROOT / 'pos')}" in names, source
    for source in (ROOT / "pos" / "migrations").glob("*.sql"):
        assert f"pos/migrations/{source.name}" in names


RUN_FROM_WHEEL = """
import pathlib, sys
import pos
from click.testing import CliRunner
from pos.cli import main
from pos.web.app import create_app
db = pathlib.Path(sys.argv[1])
assert CliRunner().invoke(main, ["demo", "--db", str(db)]).exit_code == 0
client = create_app(db).test_client()
assert client.get("/login").status_code == 200
assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
print(pos.__file__)
"""


def test_the_app_runs_from_the_wheel_alone(wheel, tmp_path):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    result = subprocess.run(
        [sys.executable, "-c", RUN_FROM_WHEEL, str(tmp_path / "demo.db")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(unpacked))
