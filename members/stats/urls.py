"""Statistics (/statistikk/): the dashboard and a CSV download per section."""

from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:key>.csv", views.csv_download, name="csv"),
]
