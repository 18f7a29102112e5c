from django.urls import path

from clubs import grant_views

from . import lookups, views

app_name = "register"
urlpatterns = [
    path("", views.search, name="search"),
    path("medlem/<int:member_id>/", views.member_detail, name="member"),
    path("medlem/<int:member_id>/vis/", views.member_reveal, name="reveal"),
    path("medlem/<int:member_id>/endre/", views.member_edit, name="edit"),
    path("medlem/<int:member_id>/inviter/", views.member_invite, name="invite"),
    path("medlem/<int:member_id>/tilgangslogg/", views.access_log_member, name="access_log_member"),
    path("medlem/<int:member_id>/<slug:action>/", views.member_action, name="action"),
    path("flytt/klubber/", lookups.transfer_clubs, name="transfer_clubs"),
    path("arbeidsgiver/", lookups.employer_search, name="employer_search"),
    path("tilgangslogg/", views.access_log, name="access_log"),
    path("tilgangslogg/bruker/<int:user_id>/", views.access_log_user, name="access_log_user"),
    path("tilganger/", grant_views.grants, name="grants"),
    path("tilganger/<int:grant_id>/avslutt/", grant_views.grant_end_view, name="grant_end"),
    path("tilganger/<int:grant_id>/send-lenke/", grant_views.grant_resend, name="grant_resend"),
]
