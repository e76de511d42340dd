from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import api

urlpatterns = [
    re_path(
        rf"^transactions/{SIPS_KEY_URL}(?P<kind>validate|cancel|refund|duplicate)/$",
        api.OperationView.as_view(),
        name="api-operation",
    ),
    path("operations/", api.OperationListView.as_view(), name="api-operations"),
]
