"""PDF documents. Every PDF goes through `render_pdf`, templates under templates/pdf/."""

from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf(template: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes with WeasyPrint (no network fetches)."""
    from django.conf import settings
    from weasyprint import HTML

    html = render_to_string(template, {"generated_at": timezone.localtime(), **context})

    def no_remote(url: str, *args, **kwargs):
        # Documents are self-contained; refusing remote URLs keeps rendering offline
        # and stops a stray link from leaking anything.
        raise ValueError("Remote resources are not allowed in PDFs.")

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=no_remote).write_pdf()
