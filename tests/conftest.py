"""Shared fixtures: an app on a temporary SQLite file, a client, the CLI, the live server, Chromium.

Seed data are plain dicts; action helpers in the manner of flaskr's AuthActions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from html import unescape as html_unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape as html_escape
from werkzeug.routing import Rule

from pos import clock, members, startup
from pos import db as database
from pos.db import coop
from pos.db.catalogue import insert_category, insert_product
from pos.db.till import open_day
from pos.web.app import create_app
from tests.serving import CHROMIUM_ARGS, free_port, serve_command, wait_until_listening

pytest_plugins = ["tests.conftest_printer"]

# A printer that does not answer is given up on after 1 s in tests, not 5 (the server that
# `live_server` starts inherits it): failure tests wait that long, and assert against it.
# A working test printer answers a whole job in tens of milliseconds, even on a loaded machine.
PRINTER_SECONDS = 1.0
os.environ["POS_PRINTER_TIMEOUT"] = str(PRINTER_SECONDS)


def _temporary_files_in_memory() -> None:
    """Tests' temporary folders (their SQLite files) on tmpfs, /dev/shm, when it has room.

    Étal writes with synchronous=FULL: each commit waits for the disk, 5 to 30 ms on this
    machine's virtual disk against well under 1 ms in memory, and the tests commit thousands
    of times. The files stay real SQLite files in WAL mode; only the wait for the platter
    goes (no test is about surviving a power cut: a killed process loses nothing either way).
    PYTEST_DEBUG_TEMPROOT, set by hand, still chooses the folder (pytest's own setting).
    """
    if "PYTEST_DEBUG_TEMPROOT" in os.environ:
        return
    shm = Path("/dev/shm")
    try:
        roomy = os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 * 1024**3
    except OSError:
        return
    if roomy:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


_temporary_files_in_memory()

# PINs the tests store are hashed at N=128 (0.5 ms), not the production N=4096 (10-20 ms
# per hash and per login: seconds over the suite); test_pins checks the production cost once.
PRODUCTION_PIN_HASH = members.PIN_HASH_METHOD
members.PIN_HASH_METHOD = "scrypt:128:8:1"  # the smallest N that OpenSSL takes with r=8


def _route_builders_made_once() -> None:
    """Werkzeug generates and compiles two URL-builder functions per route of every app it
    binds: 40 ms of the 50 ms of CPU an app costs, and tests build hundreds of apps. A
    builder depends only on the rule's text and parsed parts, so the tests' process compiles
    each distinct one once and every later app reuses it (rules with defaults, whose
    builders also hold converted default values, are compiled as usual)."""
    compile_builder = Rule._compile_builder
    made: dict[tuple, object] = {}

    def made_once(self, append_unknown: bool = True):
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    Rule._compile_builder = made_once


_route_builders_made_once()


SETTINGS = {
    "brand": "Les Kokés",
    "legal_name": "CAE Test",
    "address": "1 place du Marché, 35000 Rennes",
    "siret": "90000000000001",
    "vat_number": "FR00900000000",
}
MEMBERS = [
    {"name": "Awa", "pin": "1234", "role": "admin"},
    {"name": "Léo", "pin": "2345", "role": "member"},
]
CATEGORIES = ["Plantes", "Boissons"]
PRODUCTS = [
    {
        "name": "Kokedama",
        "short_name": "Koke",
        "price": 1250,
        "vat_rate": 2000,
        "unit_cost": 400,
        "category": "Plantes",
        "stock": 20,
        "track_stock": 1,
        "emoji": "🪴",
    },
    {
        "name": "Cookie",
        "short_name": "Cookie",
        "price": 250,
        "vat_rate": 550,
        "unit_cost": 60,
        "category": "Plantes",
        "stock": 100,
        "track_stock": 1,
        "emoji": "🍪",
    },
    {
        "name": "Dernier pot",
        "short_name": "Pot",
        "price": 900,
        "vat_rate": 1000,
        "unit_cost": 300,
        "category": "Plantes",
        "stock": 1,
        "track_stock": 1,
        "emoji": "🏺",
    },
    {
        "name": "Café",
        "short_name": "Café",
        "price": 150,
        "vat_rate": 1000,
        "unit_cost": None,
        "category": "Boissons",
        "stock": 0,
        "track_stock": 0,
        "emoji": "☕",
    },
]


FLOAT = {2000: 2, 1000: 2}  # 60 € of opening float


def seed(path: Path, *, open_till: bool = True) -> None:
    """A small coop: two members, two categories, four products, the till open with a float."""
    db = database.connect(path, create=True)
    database.migrate(db)
    coop.save_settings(db, SETTINGS)
    for m in MEMBERS:
        coop.insert_member(db, m["name"], m["pin"], m["role"])
    ids = {name: insert_category(db, name) for name in CATEGORIES}
    for p in PRODUCTS:
        row = {k: v for k, v in p.items() if k not in ("category", "stock")}
        insert_product(db, {**row, "category_id": ids[p["category"]]}, stock=p["stock"])
    if open_till:
        open_day(db, None, FLOAT)
    db.close()


class SeededCoops:
    """The seeded coop's files ("open": the till open; "closed": not yet opened), made once
    and made again only if the stall's day has changed since (a session that runs past
    midnight must not hand out a till opened "yesterday")."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.day: date | None = None
        self.files: dict[str, Path] = {}

    def __getitem__(self, which: str) -> Path:
        today = clock.local(datetime.now(UTC)).date()
        if today != self.day:
            self._seed(today)
        return self.files[which]

    def _seed(self, today: date) -> None:
        folder = Path(tempfile.mkdtemp(prefix=f"{today}-", dir=self.folder))
        moved = clock.offset_seconds()  # a test may have moved the clock: seed on the real one
        clock.set_offset(0)
        try:
            self.files = {"open": folder / "coop.db", "closed": folder / "closed.db"}
            seed(self.files["open"])
            seed(self.files["closed"], open_till=False)
        finally:
            clock.set_offset(moved)
        self.day = today


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> SeededCoops:
    """The seeded coop, made once per session and copied per test.

    Seeding costs tens of milliseconds; copying the file costs well under one. The last
    connection closed checkpoints the WAL, so the .db file alone is the whole database.
    """
    return SeededCoops(tmp_path_factory.mktemp("seeded"))


def copy_seeded(seeded: SeededCoops, which: str, target: Path) -> Path:
    """A private copy of one seeded database (a test writes only to its own)."""
    shutil.copyfile(seeded[which], target)
    return target


@pytest.fixture
def db_path(tmp_path: Path, seeded) -> Path:
    """A seeded coop database in a temporary folder."""
    return copy_seeded(seeded, "open", tmp_path / "coop.db")


@pytest.fixture
def closed_db_path(tmp_path: Path, seeded) -> Path:
    """A seeded coop whose till has not been opened yet."""
    return copy_seeded(seeded, "closed", tmp_path / "closed.db")


@pytest.fixture
def till_clock():
    """Set the till's clock offset (seconds) for one test; it is put back to none after.

    `till_clock(seconds)` sets it, `till_clock.shift(seconds)` moves it further.
    """
    set_offset = ClockOffset()
    yield set_offset
    clock.set_offset(0)


class ClockOffset:
    """The process-wide clock correction, as a test moves it."""

    def __call__(self, seconds: float) -> None:
        clock.set_offset(seconds)

    def shift(self, seconds: float) -> None:
        """Move the clock further by `seconds`."""
        clock.set_offset(clock.offset_seconds() + seconds)


@pytest.fixture(autouse=True)
def _no_clock_offset_leaks():
    """A test that moved the clock (or made an app on a corrected coop) leaves it at zero,
    and the coop's time zone at its default."""
    yield
    clock.set_offset(0)
    clock.set_zone(clock.DEFAULT_ZONE)
    startup._followed = None  # the next app's settings are followed afresh


@pytest.fixture
def app(db_path: Path):
    """The app on the seeded database (CSRF on, as in production)."""
    app = create_app(db_path, TESTING=True)
    yield app


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner():
    """Invoke `pos` commands in-process."""
    return CliRunner()


@pytest.fixture
def db(db_path: Path):
    """A direct connection to the seeded database, for assertions."""
    conn = database.connect(db_path)
    yield conn
    conn.close()


def product_id(db, name: str) -> int:
    """A seeded product's id by name."""
    return db.execute("SELECT id FROM products WHERE name = ?", [name]).fetchone()[0]


def csrf_of(html: str) -> str:
    """The CSRF token rendered in a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Actions:
    """What a member does, through the test client (flaskr's AuthActions, extended)."""

    def __init__(self, client, db_path: Path):
        self.client = client
        self.db_path = db_path
        self.token = ""

    def login(self, name: str = "Léo", pin: str | None = None):
        """Tap one's name, type the PIN."""
        conn = database.connect(self.db_path)
        member_id = conn.execute("SELECT id FROM members WHERE name = ?", [name]).fetchone()[0]
        conn.close()
        page = self.client.get(f"/login/{member_id}").get_data(as_text=True)
        self.token = csrf_of(page)
        pin = pin or next(m["pin"] for m in MEMBERS if m["name"] == name)
        response = self.client.post(
            f"/login/{member_id}", data={"pin": pin, "csrf_token": self.token}
        )
        if response.status_code == 302:  # the session is new: so is its CSRF token
            self.token = csrf_of(self.client.get("/sell").get_data(as_text=True))
        return response

    def post(self, url: str, data: dict | None = None, htmx: bool = True):
        """A POST as htmx sends it (CSRF in the header)."""
        headers = {"X-CSRFToken": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data or {}, headers=headers)

    def cart_key(self) -> str:
        """The key of the cart on this device (as the payment buttons carry it)."""
        html = self.client.get("/sell").get_data(as_text=True)
        return re.search(r'name="key" value="(\w+)"', html).group(1)

    def seen(self) -> dict:
        """The cart's key and what the screen shows of it (as the payment buttons carry them)."""
        html = self.client.get("/sell").get_data(as_text=True)
        return {
            "key": re.search(r'name="key" value="(\w+)"', html).group(1),
            "seen": html_unescape(
                re.search(r'name="seen" id="seen" value="([^"]*)"', html).group(1)
            ),
        }

    def sell(self, *product_ids: int, method: str = "exact", tendered: str = "", **form):
        """Tap tiles then a payment button; returns the payment response."""
        for pid in product_ids:
            self.post(f"/sell/cart/add/{pid}")
        data = {**self.seen(), "method": method, "tendered": tendered, **form}
        return self.post("/sell/pay", data)


@pytest.fixture
def actions(client, db_path):
    """Action helpers bound to the client."""
    return Actions(client, db_path)


# --- The real server and a real browser ---------------------------------------------------


class LiveServer:
    """`pos serve` as a user runs it (waitress), on 127.0.0.1 and a free port."""

    module = "pos.cli"  # what `python -m` runs (tests.payment_gift: `pos` plus one method)

    def __init__(self, db_path: Path, *extra: str):
        self.db_path = db_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = extra
        self.process: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            serve_command(self.db_path, self.port, *self.extra, module=self.module),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_until_listening(
            self.process, self.port, 20, lambda: self.process.stdout.read().decode()
        )
        return self

    def kill(self) -> None:
        """SIGKILL, as a power cut would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        """Stop the server."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stdout:
            self.process.stdout.close()


@pytest.fixture
def live_server(db_path):
    """The real WSGI server on the seeded database."""
    server = LiveServer(db_path).start()
    yield server
    server.stop()


@pytest.fixture
def api_token(db_path) -> str:
    """A fresh API token for the seeded coop."""
    conn = database.connect(db_path)
    token = coop.insert_token(conn, "tests", ("sell", "refund", "read"))
    conn.close()
    return token


def chromium_path() -> str:
    """Debian's Chromium; a missing browser fails the run (never skipped)."""
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is missing: install Debian's `chromium` (bash .ci/run does).")
    return path


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (10-inch tablet in landscape) on the live server."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=live_server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def login_in_browser(tab, name: str = "Léo", pin: str | None = None) -> None:
    """Log a member in on the tab's browser context, then open where the login leads (/sell).

    The keypad's own form is sent as the keypad sends it (the PIN and the page's CSRF token,
    through the context, so its session cookie is the tab's): 3 requests instead of the
    2-3 s of taps, for the tests that are about what comes after. The keypad itself is driven
    by `login_on_keypad` (tests/e2e/test_login.py), `type_pin` and the layout test.
    """
    pin = pin or next(m["pin"] for m in MEMBERS if m["name"] == name)
    names = tab.request.get("/login").text()
    keypad = re.search(rf'href="(/login/\d+)">{re.escape(str(html_escape(name)))}</a>', names)
    assert keypad, f"{name} is not on the login screen"
    token = csrf_of(tab.request.get(keypad.group(1)).text())
    answer = tab.request.post(
        keypad.group(1), form={"pin": pin, "csrf_token": token}, max_redirects=0
    )
    assert answer.status == 302, f"{name} was not logged in: {answer.status}"
    tab.goto(answer.headers["location"])


def login_on_keypad(tab, name: str = "Léo", pin: str | None = None) -> None:
    """Tap one's name, then the PIN on the keypad, then OK."""
    pin = pin or next(m["pin"] for m in MEMBERS if m["name"] == name)
    tab.goto("/login")
    tab.get_by_role("link", name=name).click()
    type_pin(tab, pin)


def type_pin(tab, pin: str) -> None:
    """Tap the PIN on the keypad once the page (and its script) has loaded, then OK."""
    from playwright.sync_api import expect

    tab.wait_for_url("**/login/*")
    tab.wait_for_load_state("load")
    for digit in pin:
        tab.locator(f'.key[data-key="{digit}"]').click()
    expect(tab.locator("#pin")).to_have_value(pin)
    tab.get_by_role("button", name="OK").click()
