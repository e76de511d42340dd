from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import api

urlpatterns = [
    re_path(
        rf"^transactions/{SIPS_KEY_URL}(?P<kind>validate|cancel|credit|refund|advice|duplicate)/$",
        api.OperationView.as_view(),
        name="api-operation",
    ),
    path("operations/", api.OperationListView.as_view(), name="api-operations"),
    path("remittances/", api.RemittanceListView.as_view(), name="api-remittances"),
]
