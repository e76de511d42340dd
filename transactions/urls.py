from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import people_views, views

app_name = "transactions"

urlpatterns = [
    path("", views.transaction_list, name="list"),
    path("find/", views.transaction_find, name="find"),
    path("export.csv", views.transaction_export, name="export"),
    path("exports/", people_views.exports_mine, name="exports"),
    path("columns/", people_views.columns_save, name="columns"),
    path("exports/<int:pk>/", views.export_status, name="export-status"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    re_path(
        rf"^{SIPS_KEY_URL}$",
        views.transaction_detail,
        name="detail",
    ),
    re_path(
        rf"^{SIPS_KEY_URL}automatic-response/resend/$",
        views.automatic_response_resend,
        name="autoresponse-resend",
    ),
    path(
        "automatic-responses/failing/",
        views.automatic_responses_failing,
        name="autoresponse-failing",
    ),
]
