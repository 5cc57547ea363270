"""The layers hold by themselves: an AST walk of every module under pos/ (imports inside
functions included) fails the run when one reaches where its layer may not.

    domain    pos/*.py (money, cart, till, receipts...)  pure: no Flask, no database, no web
    services  SERVICES below                              domain + pos.db; never Flask nor pos.web
    db        pos/db/                                     SQL and sqlite; never Flask, pos.web nor
                                                          any service (services orchestrate)
    web, cli  pos/web/, pos/cli.py                        everything, but SQL only through pos.db
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

POS = Path(__file__).resolve().parent.parent / "pos"

# The service layer: domain work that needs the database, files or a device, called by the
# screens and the CLI alike. Named here (and in README "How it is built").
SERVICES = {
    "pos.print_queue": "the list of jobs to print, sent one at a time",
    "pos.bookkeeping": "the accountant's files from the week's figures",
    "pos.archives": "signed archives of the journal, verified offline",
    "pos.demo": "the demo coop",
    "pos.backup": "online copies of the database file",
    "pos.verification": "pos verify: every chain and every Z recomputed from its entries",
    "pos.startup": "the chores before serving: migrate, the process's clock, the session key",
}
# The one domain module allowed to ask Flask something: translate() reads the request's
# language from Flask-Babel, imported only when it is called (messages stay plain otherwise).
BRIDGES = {"pos.i18n": {"flask", "flask_babel"}}
INTERFACES = ("pos.web", "pos.cli")

WEB = ("flask", "flask_babel", "flask_wtf", "htmx_flask", "jinja2", "jinja2_fragments", "pos.web")
FORBIDDEN = {
    "domain": (*WEB, "pos.db", "pos.cli", "sqlite3", "sqlite_utils", *SERVICES),
    "service": (*WEB, "pos.cli"),
    "db": (*WEB, "pos.cli", *SERVICES),
}
SQL_START = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "PRAGMA ", "BEGIN", "CREATE ", "WITH ")


def module_name(path: Path) -> str:
    parts = path.relative_to(POS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    if module.startswith(INTERFACES):
        return "interface"
    if module == "pos.db" or module.startswith("pos.db."):
        return "db"
    return "service" if module in SERVICES else "domain"


def imports_of(tree: ast.AST) -> set[str]:
    """Every module a tree imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            if node.module == "pos":  # from pos import db, money
                found |= {f"pos.{alias.name}" for alias in node.names}
    return found


def reaches(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


def import_violations(module: str, tree: ast.AST) -> list[str]:
    """What this module imports that its layer may not."""
    layer = layer_of(module)
    if layer == "interface":
        return []
    allowed = BRIDGES.get(module, set())
    return sorted(
        f"{module} ({layer}) imports {name}"
        for name in imports_of(tree)
        for forbidden in FORBIDDEN[layer]
        if reaches(name, forbidden) and name != module and name not in allowed
    )


def sql_violations(module: str, tree: ast.AST) -> list[str]:
    """SQL written outside pos/db: a statement in a string, or a cursor call."""
    if layer_of(module) == "db":
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.lstrip().startswith(SQL_START):
                found.append(f"{module}:{node.lineno} SQL {node.value.strip()[:40]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("execute", "executemany", "executescript", "query"):
                found.append(f"{module}:{node.lineno} calls .{node.func.attr}()")
    return found


@cache  # parsed once for the four tests that walk the trees (they only read them)
def modules() -> dict[str, ast.AST]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(POS.rglob("*.py"))}


# Imports inside a function that close a cycle of top-level imports, still to untangle:
# pos.web's blueprints import its helpers (the package wires them in register()), and
# pos.db.open_existing logs a migration through pos.db.events, which needs pos.db's transaction.
KNOWN_CYCLES = {("pos.web", "pos.web."), ("pos.db", "pos.db.events")}


def _loads(node: ast.AST, known: set[str]) -> set[str]:
    """The pos modules an import statement loads (a package's __init__ with its module)."""
    names = set()
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    found = set()
    for name in names:
        parts = name.split(".")
        found |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & known
    return found


def hidden_cycles(trees: dict[str, ast.AST]) -> list[str]:
    """Imports inside a function whose module imports (at the top, step by step) this one."""
    known = set(trees)
    top = {
        name: set().union(*(_loads(n, known) for n in tree.body), set())
        for name, tree in trees.items()
    }

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in top.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    found = []
    for name, tree in trees.items():
        inner = [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)]
        for node in inner:
            for target in _loads(node, known) - {name}:
                if name in reach(target) and not any(
                    name == a and target.startswith(b) for a, b in KNOWN_CYCLES
                ):
                    found.append(f"{name}:{node.lineno} imports {target} inside a function")
    return sorted(set(found))


def test_no_import_inside_a_function_hides_a_cycle():
    assert hidden_cycles(modules()) == []


def test_a_hidden_cycle_is_named():
    trees = {
        "pos.printing": ast.parse("from pos.printer_urls import parse_printer_url"),
        "pos.printer_urls": ast.parse("def f():\n    from pos.printing import sanitise"),
    }
    assert hidden_cycles(trees) == ["pos.printer_urls:2 imports pos.printing inside a function"]


def test_every_module_stays_in_its_layer():
    found = [v for name, tree in modules().items() for v in import_violations(name, tree)]
    assert found == []


def test_no_sql_outside_pos_db():
    found = [v for name, tree in modules().items() for v in sql_violations(name, tree)]
    assert found == []


def test_every_service_exists():
    assert set(SERVICES) <= set(modules())


@pytest.mark.parametrize(
    ("module", "source", "words"),
    [
        ("pos.money", "from flask import g", "pos.money (domain) imports flask"),
        ("pos.cart", "def f():\n    from pos.db import sales", "pos.cart (domain) imports pos.db"),
        ("pos.till", "from pos import db", "pos.till (domain) imports pos.db"),
        ("pos.stock", "import pos.print_queue", "imports pos.print_queue"),
        ("pos.db.sales", "from pos.web.db import get_db", "pos.db.sales (db) imports pos.web"),
        ("pos.db.coop", "import flask", "imports flask"),
        ("pos.demo", "from pos.web import eur", "pos.demo (service) imports pos.web"),
        ("pos.db.archive", "from pos import archives", "pos.db.archive (db) imports pos.archives"),
        ("pos.db.sales", "def f():\n    import pos.print_queue", "(db) imports pos.print_queue"),
        ("pos.i18n", "import pos.db", "pos.i18n (domain) imports pos.db"),
    ],
)
def test_a_module_out_of_its_layer_is_named(module, source, words):
    assert any(words in v for v in import_violations(module, ast.parse(source)))


@pytest.mark.parametrize(
    "source",
    ['db.execute("SELECT 1")', 'x = "INSERT INTO sales VALUES (1)"', "rows = db.query(sql)"],
)
def test_sql_outside_pos_db_is_named(source):
    assert sql_violations("pos.web.api", ast.parse(source))
    assert sql_violations("pos.db.sales", ast.parse(source)) == []


def test_importing_a_domain_module_loads_neither_flask_nor_the_database():
    probe = (
        "import sys, pos.money, pos.cart, pos.till, pos.receipts, pos.shares; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'flask', 'sqlite_utils', 'werkzeug', 'jinja2', 'sqlite3'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=POS.parent, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
