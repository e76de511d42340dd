from django.urls import path, re_path

from core.sips import SIPS_KEY_URL

from . import views

app_name = "operations"

urlpatterns = [
    path("operations/", views.operations_list, name="list"),
    re_path(
        rf"^transactions/{SIPS_KEY_URL}(?P<kind>validate|cancel|refund|duplicate)/$",
        views.operate,
        name="operate",
    ),
]
