"""Messaging URLs: the section pages (mounted twice, under /medlemsregister/meldinger/
and /klubbkontoret/meldinger/, with their own namespaces) and the public unsubscribe."""

from django.urls import path

from . import unsubscribe, views

urlpatterns = [
    path("", views.index, name="index"),
    path("ny/", views.create, name="create"),
    path("ny/antall/", views.live_count, name="count"),
    path("<int:message_id>/", views.detail, name="detail"),
    path("<int:message_id>/endre/", views.edit, name="edit"),
    path("<int:message_id>/forhandsvis/", views.preview, name="preview"),
    path("<int:message_id>/test/", views.test_send, name="test_send"),
    path("<int:message_id>/send/", views.send, name="send"),
    path("<int:message_id>/avbryt/", views.cancel, name="cancel"),
    path("<int:message_id>/fremdrift/", views.progress, name="progress"),
    path("<int:message_id>/brev.pdf", views.letters, name="letters"),
]

public_urlpatterns = [
    path("avmelding/<str:token>/", unsubscribe.confirm, name="confirm"),
    path("avmelding/<str:token>/ett-klikk/", unsubscribe.one_click, name="one_click"),
]
