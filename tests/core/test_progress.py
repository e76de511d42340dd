"""The progress line of long runs (core/progress.py): rows/s and time left, throttled."""

import io

from core.progress import Progress, duration


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_line_gives_done_total_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    progress = Progress(1_000_000, "seed", stream=out, clock=clock)

    clock.now += 10
    progress.advance(250_000)

    assert out.getvalue() == ("seed: 250,000 / 1,000,000 rows ( 25.0%), 25,000 rows/s, ETA 30s\n")


def test_lines_are_throttled_and_the_last_one_always_shown():
    clock, out = Clock(), io.StringIO()
    progress = Progress(300, "load", stream=out, clock=clock)  # not a terminal: every 10 s

    clock.now += 1
    progress.advance(100)
    clock.now += 5
    progress.advance(100)  # 5 s after the first line: not shown
    clock.now += 6
    progress.advance(100)  # 11 s after it: shown
    clock.now += 3
    progress.advance(0)  # held back
    progress.finish()  # the count did not change since the last line: nothing more

    lines = out.getvalue().splitlines()
    assert lines == [
        "load: 100 / 300 rows ( 33.3%), 100 rows/s, ETA 2s",
        "load: 300 / 300 rows (100.0%), 25 rows/s, 12s",
    ]


def test_finish_shows_the_count_the_throttle_held_back():
    clock, out = Clock(), io.StringIO()
    progress = Progress(0, "analyze", unit="tables", stream=out, clock=clock)

    progress.advance(1)
    clock.now += 2
    progress.advance(1)
    progress.finish()

    assert out.getvalue().splitlines()[-1] == "analyze: 2 tables, 1 tables/s, 2s"


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (42, 185, 3725)] == ["42s", "3m05s", "1h02m"]
