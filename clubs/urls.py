from django.urls import path

from . import grant_views, views

app_name = "klubb"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("medlem/<int:member_id>/", views.member_card, name="card"),
    path("nye/", views.new_members, name="new_members"),
    path("utmeldte/", views.resigned_members, name="resigned_members"),
    path("verv/", views.positions, name="positions"),
    path("eksport.csv", views.export_csv, name="export_csv"),
    path("eksport.pdf", views.export_pdf, name="export_pdf"),
    path("tilgang/<str:token>/", grant_views.grant_activate_view, name="grant_activate"),
]
