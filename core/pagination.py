"""Cursor pagination whose bad cursor is the caller's mistake: 400, not DRF's 404."""

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.pagination import CursorPagination


class BadCursor(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "cursor: not a cursor of this list."
    default_code = "bad_cursor"


class StrictCursorPagination(CursorPagination):
    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except (NotFound, ValueError, OverflowError):
            raise BadCursor from None
