"""The public join pages (/bli-medlem/)."""

from django.urls import path

from . import views

app_name = "joining"
urlpatterns = [
    path("", views.join, name="join"),
    path("sendt/", views.sent, name="sent"),
    path("bekreft/<str:token>/", views.verify, name="verify"),
    path("poststed/", views.postal_lookup, name="postal_lookup"),
    path("arbeidsgiver/", views.employer_search, name="employer_search"),
]
