from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import remittance_views, views

app_name = "operations"

urlpatterns = [
    path("operations/", views.operations_list, name="list"),
    path("remittances/", remittance_views.remittance_list, name="remittances"),
    path("remittances/csv/", remittance_views.remittance_csv, name="remittances-csv"),
    path("remittances/<int:pk>/", remittance_views.remittance_detail, name="remittance"),
    re_path(
        rf"^transactions/{SIPS_KEY_URL}(?P<kind>validate|cancel|credit|refund|advice|duplicate)/$",
        views.operate,
        name="operate",
    ),
]
