from django.urls import path

from . import api

urlpatterns = [
    path("shops/<str:merchant_id>/go-live/", api.GoLiveListView.as_view(), name="api-golive"),
    path(
        "shops/<str:merchant_id>/go-live/<int:pk>/approve/",
        api.GoLiveApproveView.as_view(),
        name="api-golive-approve",
    ),
    path(
        "shops/<str:merchant_id>/go-live/<int:pk>/refuse/",
        api.GoLiveRefuseView.as_view(),
        name="api-golive-refuse",
    ),
    path(
        "shops/<str:merchant_id>/go-live/<int:pk>/withdraw/",
        api.GoLiveWithdrawView.as_view(),
        name="api-golive-withdraw",
    ),
]
