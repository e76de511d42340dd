from django.urls import path

from . import api

urlpatterns = [
    path("shops/", api.ShopListView.as_view(), name="api-shops"),
    path("shops/<str:merchant_id>/", api.ShopDetailView.as_view(), name="api-shop"),
]
