from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import api

urlpatterns = [
    path("transactions/", api.FeedView.as_view(), name="api-transactions"),
    re_path(
        rf"^transactions/{SIPS_KEY_URL}$",
        api.TransactionDetailView.as_view(),
        name="api-transaction-detail",
    ),
]
