"""Staff pages of the lifecycle, included under /medlemsregister/."""

from django.urls import path

from . import staff_views as views

app_name = "joining_staff"
urlpatterns = [
    path("innmeldinger/", views.applications, name="applications"),
    path("innmeldinger/ny/", views.register_member, name="register_member"),
    path("innmeldinger/<int:application_id>/", views.application_detail, name="application"),
    path(
        "innmeldinger/<int:application_id>/godkjenn/",
        views.application_accept,
        name="accept",
    ),
    path("innmeldinger/<int:application_id>/avsla/", views.application_reject, name="reject"),
    path("utmeldinger/", views.resignations, name="resignations"),
    path("endringer/", views.changes, name="changes"),
    path("verving/", views.recruitment, name="recruitment"),
    path("verv-tilganger/", views.access_rules, name="access_rules"),
]
