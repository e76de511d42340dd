from django.urls import path

from . import api

urlpatterns = [
    path("journals/", api.JournalListView.as_view(), name="api-journals"),
    path(
        "journals/<int:pk>/download/",
        api.JournalDownloadView.as_view(),
        name="api-journal-download",
    ),
]
