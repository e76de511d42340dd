from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from health_check.views import HealthCheckView

from core import errors
from core.api import api_or_page
from core.health import checks as health_checks
from core.timing import floor
from merchants import views as merchant_views
from merchants.forms import LoginForm
from transactions import views as transaction_views
from transactions.api import SipsV2ResponseView


@method_decorator(
    csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="get"
)
class ApiDocsView(SpectacularRedocView):
    """Redoc from our static files (templates/drf_spectacular/redoc.html: no inline script, no
    web font); it injects its own styles and starts a worker from a blob, allowed here only."""


api_v1 = [
    path("", include("transactions.api_urls")),
    path("", include("merchants.api_urls")),
    path("", include("operations.api_urls")),
    path("", include("journals.api_urls")),
    path("", include("golive.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", transaction_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", merchant_views.language_switch, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", HealthCheckView.as_view(checks=health_checks()), name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("sips/v2/response/", SipsV2ResponseView.as_view(), name="sips-v2-response"),
    path("accounts/", include("merchants.account_urls")),
    path("", include("merchants.urls")),
    path("", include("operations.urls")),
    path("journals/", include("journals.urls")),
    path("", include("golive.urls")),
    path("transactions/", include("transactions.urls")),
]

# Under /api/ even a URL that names nothing (a malformed id) answers the API's error body.
handler400 = api_or_page("12", "Bad request.", 400, errors.bad_request)
handler403 = api_or_page("40", "Not allowed for this user.", 403, errors.permission_denied)
handler404 = api_or_page("25", "Not found.", 404, errors.page_not_found)
handler500 = errors.server_error
if settings.SERVER_TIMING:
    # The floor page of core/timing.py, for measuring only.
    urlpatterns.append(path("server-timing/floor/", floor, name="server-timing-floor"))
