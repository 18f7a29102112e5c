"""Staff dues pages, mounted at /medlemsregister/kontingent/."""

from django.urls import path

from . import invoice_views, views

app_name = "dues"
urlpatterns = [
    path("", views.index, name="index"),
    path("ocr/", views.ocr_upload, name="ocr_upload"),
    path("innlesinger/<int:import_id>/", views.import_detail, name="import"),
    path("trekklister/", views.lists, name="lists"),
    path("avvik/", views.deviations, name="deviations"),
    path("avvik/<int:deviation_id>/", views.deviation_detail, name="deviation"),
    path("ukjente/", views.unmatched, name="unmatched"),
    path("ukjente/<int:row_id>/", views.unmatched_detail, name="unmatched_detail"),
    path("restanse/", views.arrears, name="arrears"),
    path("stryking/", views.strike_off, name="strike_off"),
    path("skatt/", views.tax_report, name="tax"),
    path("skatt/<int:run_id>/fil.xml", views.tax_report_file, name="tax_file"),
    path("medlem/<int:member_id>/", views.member_account, name="member"),
    path("faktura/", invoice_views.invoices, name="invoices"),
    path("faktura/<int:run_id>/", invoice_views.invoice_run, name="invoice_run"),
    path("faktura/<int:run_id>/utskrift.pdf", invoice_views.invoice_print, name="invoice_print"),
    path("trekklister/send/", invoice_views.lists_send, name="lists_send"),
]
