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
