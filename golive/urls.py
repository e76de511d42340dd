from django.urls import path

from . import views

app_name = "golive"
urlpatterns = [
    path("shops/<str:merchant_id>/go-live/", views.shop_golive, name="shop"),
    path("shops/<str:merchant_id>/go-live/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("go-live/", views.overview, name="overview"),
    path("go-live/<int:pk>/approve/", views.approve, name="approve"),
    path("go-live/<int:pk>/refuse/", views.refuse, name="refuse"),
]
