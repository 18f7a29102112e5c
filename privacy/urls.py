from django.urls import path

from . import outbox_views, staff_views, views

app_name = "privacy"
urlpatterns = [
    # Public pages.
    path("personvern/", views.notice, name="notice"),
    path("personvern/arkiv/", views.notice_archive, name="notice_archive"),
    path("personvern/arkiv/<int:version>/", views.notice_version, name="notice_version"),
    path("personvern/informasjonskapsler/", views.cookies, name="cookies"),
    path("personvern/samtykke/", views.consent, name="consent"),
    path("personvern/innsyn/", views.access_request, name="access_request"),
    path("personvern/innsyn/bankid/", views.access_request_bankid, name="access_request_bankid"),
    path("sok/", views.search, name="search"),
    path("info/", views.info_index, name="info_index"),
    path("info/<slug:slug>/", views.info, name="info"),
    # Central staff.
    path(
        "personvern/behandlingsprotokoll/", staff_views.processing_record, name="processing_record"
    ),
    path("sok/statistikk/", staff_views.search_terms, name="search_terms"),
    path("personvern/utleveringer/", outbox_views.outbox, name="outbox"),
    path(
        "personvern/utleveringer/<slug:slug>/prov-igjen/",
        outbox_views.outbox_retry,
        name="outbox_retry",
    ),
    path("personvern/henvendelser/", staff_views.request_list, name="requests"),
    path("personvern/henvendelser/ny/", staff_views.request_new, name="request_new"),
    path("personvern/henvendelser/<int:pk>/", staff_views.request_detail, name="request_detail"),
    path(
        "personvern/henvendelser/<int:pk>/tildel/",
        staff_views.request_assign,
        name="request_assign",
    ),
    path("personvern/henvendelser/<int:pk>/notat/", staff_views.request_note, name="request_note"),
    path(
        "personvern/henvendelser/<int:pk>/innsynsrapport.pdf",
        staff_views.request_access_report,
        name="request_access_report",
    ),
    path(
        "personvern/henvendelser/<int:pk>/godkjenn-sletting/",
        staff_views.request_approve_erasure,
        name="request_approve_erasure",
    ),
    path(
        "personvern/henvendelser/<int:pk>/rett/",
        staff_views.request_apply_correction,
        name="request_apply_correction",
    ),
    path(
        "personvern/henvendelser/<int:pk>/avslutt/",
        staff_views.request_complete,
        name="request_complete",
    ),
]
