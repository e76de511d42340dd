from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from merchants.forms import LoginForm
from transactions import views as transaction_views

api_v1 = [
    path("", include("transactions.api_urls")),
    path("", include("merchants.api_urls")),
    path("", include("operations.api_urls")),
    path("", include("journals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("merchants.account_urls")),
    path("", include("merchants.urls")),
    path("", include("operations.urls")),
    path("journals/", include("journals.urls")),
    path("transactions/", include("transactions.urls")),
]
