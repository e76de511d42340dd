from django.urls import path, re_path

from . import remittance_views, views

app_name = "operations"

urlpatterns = [
    path("operations/", views.operations_list, name="list"),
    path("remittances/", remittance_views.remittance_list, name="remittances"),
    path("remittances/csv/", remittance_views.remittance_csv, name="remittances-csv"),
    path("remittances/<int:pk>/", remittance_views.remittance_detail, name="remittance"),
    re_path(
        r"^transactions/(?P<merchant_id>[0-9]{1,15})/(?P<payment_date>[0-9]{4}-[0-9]{2}-[0-9]{2})/"
        r"(?P<transaction_id>[0-9]{1,6})/(?P<kind>validate|cancel|credit|refund|advice|duplicate)/$",
        views.operate,
        name="operate",
    ),
]
