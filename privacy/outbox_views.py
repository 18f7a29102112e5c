"""The central staff's outbox page: per partner, what waits, how long the oldest has
waited, what is dead, and a confirmed retry of the dead events."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import delivery
from .models import Disclosure, DisclosureStatus, Recipient
from .staff_views import staff_only

DEAD_SHOWN = 20


@never_cache
@require_GET
@staff_only
def outbox(request):
    rows = delivery.outbox_by_recipient()
    dead = (
        Disclosure.objects.filter(status=DisclosureStatus.DEAD)
        .select_related("recipient")
        .order_by("-created_at")[:DEAD_SHOWN]
    )
    return render(
        request,
        "privacy/outbox.html",
        {
            "rows": rows,
            "dead": dead,
            "totals": delivery.delivery_backlog(),
            "oldest_seconds": delivery.oldest_pending_age(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_only
def outbox_retry(request, slug):
    """GET: ask for confirmation; POST: put the partner's dead events back in line."""
    recipient = get_object_or_404(Recipient, slug=slug)
    dead = Disclosure.objects.filter(recipient=recipient, status=DisclosureStatus.DEAD)
    count = dead.count()
    if request.method == "POST":
        retried = delivery.retry_disclosures(list(dead.values_list("pk", flat=True)))
        messages.success(
            request,
            ngettext(
                "%(count)d hendelse til %(name)s er satt i kø igjen.",
                "%(count)d hendelser til %(name)s er satt i kø igjen.",
                retried,
            )
            % {"count": retried, "name": recipient.name},
        )
        return redirect("privacy:outbox")
    if not count:
        messages.info(
            request, _("%(name)s har ingen stoppede hendelser.") % {"name": recipient.name}
        )
        return redirect("privacy:outbox")
    return render(request, "privacy/outbox_retry.html", {"recipient": recipient, "count": count})
