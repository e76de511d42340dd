"""Server-Timing (docs/deploy.md, "Measuring a page"): with GESTION_SERVER_TIMING on, every
answer says how long the server spent on it and how much of that was SQL, in the standard
`Server-Timing` header that browsers' developer tools show:

    Server-Timing: db;dur=3.41;desc="5 queries", app;dur=27.80

Off by default: the header tells anyone how long a lookup took. `bench/search.py` and
`bench/home.py` turn it on to set each page beside its floor, with the floor page below: an
empty page in the application's layout, behind the same login, sessions and middleware as every
page, so that page ÷ (floor + its SQL) is what the page's own Python costs.
"""

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.shortcuts import render


class _SqlClock:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class ServerTimingMiddleware:
    """First in the chain: the app's time covers every other middleware and the view. The SQL
    time is each statement's execution as the database driver reports it back (a streamed
    answer's later reads are not counted: the header leaves before them)."""

    def __init__(self, get_response):
        if not getattr(settings, "SERVER_TIMING", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        clock = _SqlClock()
        started = time.perf_counter()
        wrappers = [connections[alias].execute_wrapper(clock) for alias in connections]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        app = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'db;dur={clock.seconds * 1000:.2f};desc="{clock.count} queries", app;dur={app:.2f}'
        )
        return response


@login_required
def floor(request):
    """The cheapest page a signed-in user can ask for: the layout and nothing else."""
    return render(request, "floor.html")
