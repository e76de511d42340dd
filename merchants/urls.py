from django.urls import path

from . import two_factor_views, views

urlpatterns = [
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/grant/", views.user_grant, name="user-grant"),
    path("users/<int:pk>/accesses/<int:access_pk>/revoke/", views.user_revoke, name="user-revoke"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("users/<int:pk>/two-factor/reset/", two_factor_views.reset, name="user-two-factor-reset"),
    path("shops/<str:merchant_id>/", views.shop_detail, name="shop-detail"),
    path(
        "shops/<str:merchant_id>/automatic-response/",
        views.shop_automatic_response,
        name="shop-autoresponse",
    ),
]
