from django.urls import path, re_path

from . import api

urlpatterns = [
    re_path(
        r"^transactions/(?P<merchant_id>[0-9]{1,15})/(?P<payment_date>[0-9]{4}-[0-9]{2}-[0-9]{2})/"
        r"(?P<transaction_id>[0-9]{1,6})/(?P<kind>validate|cancel|credit|refund|advice|duplicate)/$",
        api.OperationView.as_view(),
        name="api-operation",
    ),
    path("operations/", api.OperationListView.as_view(), name="api-operations"),
    path("remittances/", api.RemittanceListView.as_view(), name="api-remittances"),
]
