"""Acquirer gateways for tests: real implementations of operations.acquirer.Acquirer that
answer as told, count their calls, or fail the way a network does."""

import threading
import time

from operations.acquirer import Authorisation


class Answering:
    """Answers `answer` to every request and keeps each request (thread-safe)."""

    answer = Authorisation("00", "00", "ACQ999")
    calls: list[dict] = []
    lock = threading.Lock()
    delay = 0.0

    def __init__(self, environment: str):
        self.environment = environment

    def authorise(self, **request) -> Authorisation:
        with self.lock:
            Answering.calls.append(request)
        if self.delay:
            time.sleep(self.delay)  # widens a race window; nothing is asserted after it
        return self.answer


class Slow(Answering):
    delay = 0.3


class TimingOut:
    def __init__(self, environment: str):
        pass

    def authorise(self, **request) -> Authorisation:
        raise TimeoutError("the acquirer did not answer in time")
