"""The error pages of the web application: translated, inside the layout with its navigation
(templates/_error.html). Under /api/ core.api.api_or_page answers the API's error body instead.
Too many failed logins (429) have their own page, registration/lockout.html.

The 500 page is rendered without the request's context processors (they read the database, which
may be what failed) and without the session: the layout shows its links, no user data."""

from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

TEMPLATE = "_error.html"


def _texts():
    return {
        400: (_("This request could not be read"), _("The address or the form sent is not valid. "
              "Go back, check what you typed and try again.")),
        403: (_("You may not see this page"), _("Your access does not include this page or this "
              "shop. Ask your user administrator if you need it.")),
        404: (_("Page not found"), _("Nothing is at this address, or it is outside your shops. "
              "Check the address, or search for the transaction.")),
        500: (_("Something went wrong on our side"), _("The page could not be shown. Nothing "
              "was changed by this error; please try again in a few minutes.")),
    }  # fmt: skip


def error_context(status: int) -> dict:
    title, text = _texts()[status]
    return {"error_status": status, "error_title": title, "error_text": text}


def _page(request, status: int):
    body = loader.render_to_string(TEMPLATE, error_context(status), request)
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, 404)


@requires_csrf_token
def server_error(request):
    """No request context: nothing here may touch the database or the session."""
    context = {**error_context(500), "show_nav": True}
    try:
        body = loader.get_template(TEMPLATE).render(context)
    except Exception:  # the layout itself failed: a plain page rather than nothing
        body = f"<!DOCTYPE html><title>500</title><h1>{escape(context['error_title'])}</h1>"
    return HttpResponseServerError(body)
