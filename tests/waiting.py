"""Waiting in tests without guessing: for a condition, with a deadline on the monotonic clock (which
no time travel moves), and for a thread's outcome, its exception re-raised in the test.

A loaded machine (CI, two busy cores) makes every fixed sleep or short timeout a coin toss; these
wait as long as the condition needs, up to a deadline generous enough to mean "it never will".
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connections

DEADLINE = 60.0  # seconds; only ever reached when something is really wrong


def wait_until(condition: Callable[[], Any], *, timeout: float = DEADLINE, what: str = "") -> Any:
    """Poll `condition` until it returns something true, and return that; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"still waiting after {timeout:.0f} s: {what or condition}")
        time.sleep(0.05)


class Outcome:
    """A call running in its own thread, on its own database connection."""

    def __init__(self, target: Callable[..., Any], *args: Any):
        self._value: Any = None
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(target, args), daemon=True)
        self.thread.start()

    def _run(self, target, args):
        try:
            self._value = target(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test by result()
            self._error = exc
        finally:
            connections.close_all()

    def finished(self) -> bool:
        return not self.thread.is_alive()

    def wait(self, timeout: float = DEADLINE) -> None:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError(f"the thread is still running after {timeout:.0f} s")

    def result(self, timeout: float = DEADLINE) -> Any:
        """What the call returned; its exception, if it raised."""
        self.wait(timeout)
        if self._error is not None:
            raise self._error
        return self._value

    def error(self, timeout: float = DEADLINE) -> BaseException | None:
        """The exception the call raised, or None (for calls allowed to be refused)."""
        self.wait(timeout)
        return self._error


def wait_for_event(event: threading.Event, outcome: Outcome, what: str) -> None:
    """Wait until the thread behind `outcome` sets `event`; its exception if it dies first."""
    wait_until(lambda: event.is_set() or outcome.finished(), what=what)
    if not event.is_set():
        outcome.result()
        raise AssertionError(f"the thread ended without {what}")


def start_together(count: int) -> threading.Barrier:
    """A barrier for `count` threads that waits as long as the slowest needs to start (a short
    timeout breaks it on a busy machine and turns a race test into a BrokenBarrierError)."""
    return threading.Barrier(count, timeout=DEADLINE)
