from django.urls import path, re_path

from . import api

urlpatterns = [
    path("transactions/", api.FeedView.as_view(), name="api-transactions"),
    re_path(
        r"^transactions/(?P<merchant_id>[0-9]{1,15})/(?P<payment_date>[0-9]{4}-[0-9]{2}-[0-9]{2})/"
        r"(?P<transaction_id>[0-9]{1,6})/$",
        api.TransactionDetailView.as_view(),
        name="api-transaction-detail",
    ),
]
