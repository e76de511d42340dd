"""What every API answer shares: one error envelope, produced in one place.

    {"response_code": "12", "message": "page_size: 1 to 500.",
     "errors": {"page_size": ["1 to 500."]}}

`response_code` is the Sips Office code that says what went wrong (docs/domain.md), `message` a
sentence for people, `errors` (present when a field is at fault) each faulty field's messages as
plain strings. Views raise DRF exceptions (a serializer's ValidationError included) or return
`error_response`; the exception handler below turns every exception into the envelope. The feed
and the Sips 2.0 response keep their documented Sips answers (docs/sips.md), which are this
envelope too, their bulk `errors` being per item.
"""

import functools

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# HTTP status → the Sips Office response code that says the same thing.
_CODES = {
    status.HTTP_400_BAD_REQUEST: "12",
    status.HTTP_401_UNAUTHORIZED: "40",
    status.HTTP_403_FORBIDDEN: "40",
    status.HTTP_404_NOT_FOUND: "25",
    status.HTTP_405_METHOD_NOT_ALLOWED: "12",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "30",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "30",
    status.HTTP_429_TOO_MANY_REQUESTS: "99",
}
NON_FIELD = "non_field_errors"


@functools.cache
def _serializer(serializer_class):
    return serializer_class()


def represent(serializer_class, instance) -> dict:
    """`instance` as `serializer_class` renders it (an answer, no request context needed),
    with the serializer's fields built once per process instead of once per answer: a
    ModelSerializer introspects its model for every field, which for a transaction's ~60
    fields costs more than the rest of an API request. Rendering reads the fields only, so
    threads may share them."""
    return _serializer(serializer_class).to_representation(instance)


def plain_errors(detail) -> dict[str, list[str]]:
    """Field → its messages as plain strings, from a DRF ValidationError's detail or a form's
    errors (never the repr of an ErrorDetail)."""
    if isinstance(detail, dict):
        return {str(name): _strings(value) for name, value in detail.items()}
    return {NON_FIELD: _strings(detail)}


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{name}: {text}" for name, inner in value.items() for text in _strings(inner)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return [str(value)]


def errors_message(errors: dict[str, list[str]]) -> str:
    """One sentence for people from per-field errors: "field: message; other: message"."""
    return "; ".join(
        " ".join(messages) if name == NON_FIELD else f"{name}: {' '.join(messages)}"
        for name, messages in errors.items()
    )


def error_body(response_code: str, message: str, errors=None) -> dict:
    body = {"response_code": response_code, "message": str(message)}
    if errors:
        body["errors"] = errors if isinstance(errors, list) else plain_errors(errors)
    return body


def error_response(response_code: str, message: str, http_status: int, errors=None) -> Response:
    return Response(error_body(response_code, message, errors), http_status)


def invalid(errors, response_code: str = "12", http_status: int = 400) -> Response:
    """The answer to input with faulty fields (a form's or a serializer's errors)."""
    errors = plain_errors(errors)
    return error_response(response_code, errors_message(errors), http_status, errors)


def exception_handler(exc, context):
    from core.parsers import BodyTooLarge

    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ParseError):
        said = str(exc.detail)
        if not said.startswith("ERROR IN CALL PARAMETERS STRUCTURE ("):
            said = "ERROR IN CALL PARAMETERS STRUCTURE (body)"
        response.data = error_body("30", said)
        return response
    code = _CODES.get(response.status_code, "99")
    if isinstance(exc, exceptions.ValidationError):
        errors = plain_errors(exc.detail)
        response.data = error_body(code, errors_message(errors), errors)
        return response
    # DRF's own answer ({"detail": …}; Http404 and PermissionDenied already turned into theirs).
    detail = response.data
    if isinstance(detail, dict):
        detail = detail.get("detail", detail)
    message = " ".join(_strings(detail)) if isinstance(detail, list | dict) else str(detail)
    response.data = error_body(code, message)
    return response


# Every status any API operation may answer with the error body, documented on each operation
# (a generated client, and the schema tests, then know them all).
ERROR_STATUSES = {
    "400": "12 or 30: invalid request (Sips wording)",
    "401": "40: no or unknown token",
    "403": "40: not allowed for this user",
    "404": "25: not found, or outside the caller's shops",
    "405": "12: method not allowed",
    "406": "12: only JSON is answered",
    "413": "30: body too large",
    "415": "30: only JSON bodies are read",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope of every API answer that is not a success.",
    "properties": {
        "response_code": {"type": "string", "pattern": "^[0-9]{2}$"},
        "message": {"type": "string"},
        "errors": {
            "description": "Per faulty field, its messages as plain strings (the feed in bulk: "
            "per item, see docs/sips.md)",
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "index": {"type": "integer"},
                            "response_code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            ],
        },
    },
    "required": ["response_code", "message"],
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error envelope under every error status."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response.setdefault("content", {"application/json": {"schema": reference}})
    return result


def api_or_page(code: str, message: str, status_code: int, page_view):
    """A Django error handler: the error body under /api/, the usual page elsewhere."""
    from django.http import JsonResponse

    def handler(request, exception=None, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(code, message), status=status_code)
        if exception is None:
            return page_view(request, **kwargs)
        return page_view(request, exception, **kwargs)

    return handler
