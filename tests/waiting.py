"""Waiting in tests, always with a deadline, and threads whose outcome is checked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any


def wait_until(condition: Callable[[], Any], timeout: float = 10, what: str = "") -> Any:
    """Poll `condition` until it is true (returned), failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s: {what or condition}")
        time.sleep(0.005)
    return value


class Checked(threading.Thread):
    """A thread that keeps what its target returned or raised, for the test to check."""

    def __init__(self, target: Callable[..., Any], *args: Any, name: str | None = None):
        super().__init__(target=target, args=args, name=name, daemon=True)
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self._target(*self._args)  # type: ignore[attr-defined]
        except BaseException as exc:  # the outcome under test: raised again in outcome()
            self.error = exc

    def outcome(self, timeout: float = 10) -> Any:
        """Its value once it has ended; fails if it is still running or raised."""
        self.join(timeout)
        assert not self.is_alive(), f"thread {self.name} still running after {timeout} s"
        if self.error is not None:
            raise self.error
        return self.value


def outcomes(threads: Iterable[Checked], timeout: float = 10) -> list[Any]:
    """Every thread's value, within one shared deadline; the first failure is raised."""
    deadline = time.monotonic() + timeout
    return [t.outcome(max(0.0, deadline - time.monotonic())) for t in threads]
