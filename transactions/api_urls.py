from django.urls import path

from . import api

urlpatterns = [
    path("transactions/", api.FeedView.as_view(), name="api-transactions"),
]
