"""The suite's clock: real by default, or shifted for a whole run (`--clock` / GESTION_TEST_CLOCK).

A shifted run starts at the given instant and ticks from there (time-machine), so every test meets
the calendar and the hour a deployment would meet then: the remittance window, a Paris midnight,
the night clocks go back, a public holiday. A test that travels itself still wins inside its own
travel. Processes a test starts (a Celery worker, a management command) get the same shift through
`python_command`, which runs them under `tests.clocked`.
"""

import datetime as dt
import os
import sys

import time_machine

CLOCK_ENV = "GESTION_TEST_CLOCK"
OFFSET_ENV = "GESTION_TEST_CLOCK_OFFSET"


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 instant with its UTC offset (`2027-10-31T22:30:00+01:00`, or `…Z`)."""
    try:
        instant = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"--clock: {value!r} is not an ISO 8601 instant") from exc
    if instant.utcoffset() is None:
        raise ValueError(
            f"--clock: {value!r} has no UTC offset; write it as 2027-10-31T22:30:00+01:00"
        )
    return instant


def start_shifted_clock(instant: dt.datetime) -> time_machine.travel:
    """Move this process's clock to `instant`, ticking, and tell child processes the offset."""
    offset = instant - dt.datetime.now(dt.UTC)
    traveller = time_machine.travel(instant, tick=True)
    traveller.start()
    os.environ[OFFSET_ENV] = repr(offset.total_seconds())
    return traveller


def shift_from_environment() -> time_machine.travel | None:
    """In a child process: apply the parent's offset to the real clock, if there is one."""
    seconds = os.environ.get(OFFSET_ENV)
    if not seconds:
        return None
    traveller = time_machine.travel(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(seconds)), tick=True
    )
    traveller.start()
    return traveller


def python_command(*args: str) -> list[str]:
    """`[python, *args]`, run on the suite's clock (the shifted one in a shifted run)."""
    if os.environ.get(OFFSET_ENV):
        return [sys.executable, "-m", "tests.clocked", *args]
    return [sys.executable, *args]
