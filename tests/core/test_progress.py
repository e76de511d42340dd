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
    progress.advance(100)  # 6 s after the first line: not shown
    clock.now += 6
    progress.advance(100)
    progress.finish()

    lines = out.getvalue().splitlines()
    assert [line.split(":")[1].split(" /")[0] for line in lines] == [" 100", " 300", " 300"]
    assert lines[-1] == "load: 300 / 300 rows (100.0%), 25 rows/s, 12s"


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (42, 185, 3725)] == ["42s", "3m05s", "1h02m"]
