from django.urls import path

from . import views

app_name = "journals"

urlpatterns = [
    path("", views.journal_list, name="list"),
    path("<int:pk>/download/", views.journal_download, name="download"),
]
