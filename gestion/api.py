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
