"""Query strings that no page or API call can mean: answered 400 before any view runs.

A NUL character cannot be stored in PostgreSQL text (the query would fail: a 500), and a number of
more than 18 digits overflows a 64-bit integer column or offset. Neither is a search anyone types:
the request is refused with a plain message (docs/security.md).
"""

import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

MAX_DIGITS = 18
_HUGE_NUMBER = re.compile(rf"[+-]?0*[0-9]{{{MAX_DIGITS + 1},}}")


def query_string_problem(request) -> str | None:
    for key, values in request.GET.lists():
        for text in (key, *values):
            if "\x00" in text:
                return _("The address holds a NUL character.")
            if _HUGE_NUMBER.fullmatch(text.strip()):
                return _("A number in the address is too large.")
    return None


class QueryStringGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = query_string_problem(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"response_code": "12", "message": problem}, status=400)
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
