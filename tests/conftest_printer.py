"""Printer fixtures: a real TCP printer on 127.0.0.1 and a decoder of what it received.

Load them from tests/conftest.py with `pytest_plugins = ["tests.conftest_printer"]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.printer_listener import PrinterListener


@pytest.fixture
def printer_listener_factory() -> Iterator[Callable[..., PrinterListener]]:
    """Start listeners in any mode (normal, paper-out, never-read, refuse); all stop after."""
    started: list[PrinterListener] = []

    def start(mode: str = "normal") -> PrinterListener:
        listener = PrinterListener(mode).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


@pytest.fixture
def printer_listener(printer_listener_factory) -> PrinterListener:
    """A working network printer on 127.0.0.1 (paper present); .received() gives its bytes."""
    return printer_listener_factory("normal")


@pytest.fixture
def printer_url(printer_listener) -> str:
    """The Étal printer URL of `printer_listener` (network://127.0.0.1:PORT)."""
    return printer_listener.url
