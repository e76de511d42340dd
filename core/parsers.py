"""JSON bodies with limits: a nesting depth (400) and a size (413), answered in Sips wording.

Python's JSON decoder recurses once per level: a body nested 100,000 deep would exhaust the stack
(a 500). The size is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the body through it); the API
exception handler (core.api) answers it with BodyTooLarge's 413.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

DEFAULT_MAX_DEPTH = 32
TOO_DEEP = "ERROR IN CALL PARAMETERS STRUCTURE (body nested too deeply)"


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "ERROR IN CALL PARAMETERS STRUCTURE (body too large)"
    default_code = "body_too_large"


def json_depth(value) -> int:
    """The nesting depth of a decoded JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth(data) > getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
