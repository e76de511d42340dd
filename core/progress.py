"""A progress line for long runs (seeding millions of rows, benchmarks): done / total, percent,
rows per second and the time left, written to stderr at most once a second (every 10 s when
stderr is not a terminal, one line each, for logs), and once more at the end."""

import sys
import time
from typing import TextIO


def duration(seconds: float) -> str:
    """`1h02m`, `3m05s`, `42s`."""
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    def __init__(
        self,
        total: int,
        label: str,
        *,
        unit: str = "rows",
        stream: TextIO | None = None,
        clock=time.monotonic,
    ):
        self.total = max(0, total)
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.clock = clock
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = 1.0 if self.tty else 10.0
        self.done = 0
        self.started = clock()
        self.shown_at: float | None = None
        self.shown_done = -1

    def line(self) -> str:
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {self.done:,}"
        if self.total:
            text += f" / {self.total:,} {self.unit} ({100 * self.done / self.total:5.1f}%)"
        else:
            text += f" {self.unit}"
        text += f", {rate:,.0f} {self.unit}/s"
        if self.done >= self.total:
            return text + f", {duration(elapsed)}"
        if rate > 0:
            text += f", ETA {duration((self.total - self.done) / rate)}"
        return text

    def advance(self, count: int) -> None:
        """`count` more done; shown if the last line is old enough."""
        self.done += count
        now = self.clock()
        if self.shown_at is None or now - self.shown_at >= self.every:
            self._show(end="" if self.tty else "\n")
            self.shown_at = now

    def finish(self) -> None:
        """The last count if the throttle held it back; ends the terminal's line."""
        if self.done != self.shown_done:
            self._show(end="\n")
        elif self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _show(self, end: str) -> None:
        self.shown_done = self.done
        prefix = "\r\033[K" if self.tty else ""
        self.stream.write(prefix + self.line() + end)
        self.stream.flush()
