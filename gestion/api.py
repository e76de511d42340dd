"""What every API answer shares: the Sips-style error body {"response_code", "message"}."""

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


def error_response(response_code: str, message: str, http_status: int, **extra) -> Response:
    return Response({"response_code": response_code, "message": message, **extra}, http_status)


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
        return error_response("30", said, 400)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    message = detail.get("detail", detail) if isinstance(detail, dict) else detail
    response.data = {
        "response_code": _CODES.get(response.status_code, "99"),
        "message": str(message),
    }
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
    "properties": {
        "response_code": {"type": "string", "pattern": "^[0-9]{2}$"},
        "message": {"type": "string"},
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
            return JsonResponse({"response_code": code, "message": message}, status=status_code)
        if exception is None:
            return page_view(request, **kwargs)
        return page_view(request, exception, **kwargs)

    return handler
