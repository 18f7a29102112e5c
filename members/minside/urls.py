"""Min side (/min-side/): the member's own pages."""

from django.urls import path

from . import account_views, lifecycle_views, views

app_name = "minside"
urlpatterns = [
    path("", views.index, name="index"),
    path("konto/", account_views.account, name="account"),
    path("profil/", views.profile, name="profile"),
    path("profil/retting/", views.rectification, name="rectification"),
    path("e-post/bekreft/<str:token>/", views.email_confirm, name="email_confirm"),
    path("kommunikasjon/", views.preferences, name="preferences"),
    path("forsikringer/", views.products, name="products"),
    path("forsikringer/<int:product_id>/bestill/", views.order_create, name="order_create"),
    path("bestillinger/<int:order_id>/kanseller/", views.order_cancel, name="order_cancel"),
    path("innbetalinger/", views.payments, name="payments"),
    path(
        "innbetalinger/<int:year>/arsoppgave.pdf",
        views.annual_statement_pdf,
        name="annual_statement",
    ),
    path("innbetalinger/faktura/<int:invoice_id>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("mine-data/", views.my_data, name="my_data"),
    path("mine-data/mine-data.json", views.my_data_json, name="my_data_json"),
    path("mine-data/innsynsrapport.pdf", views.access_report_pdf, name="access_report"),
    path("utmelding/", views.resign, name="resign"),
    path("utmelding/trekk/", lifecycle_views.resign_withdraw, name="resign_withdraw"),
    path("medlemskap/", lifecycle_views.membership, name="membership"),
    path("verving/", lifecycle_views.recruits, name="recruits"),
    path("sletting/", views.erasure, name="erasure"),
    path("aktiver/<str:token>/", views.invitation, name="invitation"),
]
