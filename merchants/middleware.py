from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's (LocaleMiddleware runs first).

    The language switch (Django's set_language view) stores a cookie; a user who saved a preference
    on their profile gets it on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        preferred = getattr(user, "language", "") if user and user.is_authenticated else ""
        if preferred:
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
        response = self.get_response(request)
        if preferred:
            response.headers.setdefault("Content-Language", preferred)
        return response


IDLE_SESSION_KEY = "gestion_last_activity"
IDLE_COOKIE = "gestion_activity"


def _idle_salt(request) -> str:
    # Bound to the session: a cookie from another (or an earlier) session proves nothing.
    return "gestion.idle:" + (request.session.session_key or "")


class IdleSessionMiddleware:
    """Ends a web session idle for SESSION_IDLE_TIMEOUT seconds (Sips: 15 minutes), on the server.

    The login time is in the session (merchants.signals); each later request's time travels in a
    signed cookie bound to the session, so that activity costs no database write. A cookie
    cannot be forged to a later time; dropping or replaying one only brings the logout closer.
    The page script (static/gestion/idle.js) only warns at SESSION_IDLE_WARNING and follows.
    Token-authenticated API calls carry no session and are not concerned.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.utils import timezone
        from django.utils.translation import gettext as _

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now = timezone.now().timestamp()
        last = request.session.get(IDLE_SESSION_KEY)
        if last is None:
            request.session[IDLE_SESSION_KEY] = last = now
        signed = request.get_signed_cookie(IDLE_COOKIE, default=None, salt=_idle_salt(request))
        try:
            seen = float(signed) if signed is not None else last
        except ValueError:
            seen = last
        last = max(last, seen)
        if now - last >= settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.warning(
                request,
                _("Your session ended after %(minutes)d minutes without activity.")
                % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60},
            )
            response = self.get_response(request)
            response.delete_cookie(IDLE_COOKIE)
            return response
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.set_signed_cookie(
                IDLE_COOKIE,
                repr(now),
                salt=_idle_salt(request),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class PaymentServerWebMiddleware:
    """The payment-server account feeds transactions through the API and does nothing else: a
    web session of it, however obtained, is ended and the request goes on as anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import logout

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_payment_server
            and not request.path.startswith("/api/")
        ):
            logout(request)
        return self.get_response(request)
