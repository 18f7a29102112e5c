"""Statistics (/statistikk/): the dashboard and a CSV download per section."""

from django.urls import path

from . import stats_views

app_name = "stats"
urlpatterns = [
    path("", stats_views.dashboard, name="dashboard"),
    path("<slug:key>.csv", stats_views.csv_download, name="csv"),
]
