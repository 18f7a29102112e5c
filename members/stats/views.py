"""The statistics dashboard (/statistikk/): central staff see the union, branch
officers their branch; everyone else gets a 404, as for anything they may not see.

Every section is built by one function from the `Dashboard` aggregates into a chart
and the table behind it; the page, the htmx fragment and the CSV download all use the
same sections, so the CSV always holds exactly the numbers on the page."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from members.models import MembershipType

from . import cache as stats_cache
from .filters import Filters, allowed_branches, stats_scope
from .forms import StatsFilterForm
from .queries import Dashboard
from .sections import sections_for


# --- filters -----------------------------------------------------------------------
def _dashboard_for(request) -> tuple[Dashboard, StatsFilterForm]:
    scope = stats_scope(request.user)
    if scope is None:
        raise Http404
    branches = allowed_branches(scope)
    form = StatsFilterForm(request.GET or None, branches=branches, central=scope.central)
    filters = form.filters() if request.GET else Filters(today=timezone.localdate())
    board = Dashboard(request.user, scope, filters, branches=branches)
    stats_cache.load(board)
    return board, form


# --- views -----------------------------------------------------------------------------
@require_GET
def dashboard(request):
    board, form = _dashboard_for(request)
    query = urlencode(board.filters.as_query())
    sections = [build(board) for build in sections_for(central=board.scope.central).values()]
    if board.scope.central and not board.filters.branch_id:
        area = _("hele forbundet")
    else:
        ids = [board.filters.branch_id] if board.filters.branch_id else board.branches
        area = ", ".join(str(board.branches[pk]) for pk in ids if pk in board.branches)
    movement = board.movement
    joins = sum(e["joins"] for e in movement)
    resignations = sum(e["resignations"] for e in movement)
    totals = {
        "active": board.active_total,
        "joins": joins,
        "resignations": resignations,
        "net": joins - resignations,
        "recruited": sum(e["recruited"] for e in movement),
    }
    context = {
        "board": board,
        "totals": {k: number_format(v, force_grouping=True) for k, v in totals.items()},
        "type_label": dict(MembershipType.choices).get(board.filters.membership_type, ""),
        "form": form,
        "sections": sections,
        "query": query,
        "area": area,
        "computed_at": timezone.localtime(board.computed_at),
    }
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    context["partial"] = partial  # the intro above the form is swapped out of band
    template = "members/stats/_body.html" if partial else "members/stats/dashboard.html"
    response = render(request, template, context)
    stats_cache.store(board)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def csv_download(request, key: str):
    board, _form = _dashboard_for(request)
    build = sections_for(central=board.scope.central).get(key)
    if build is None:
        raise Http404
    section = build(board)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"statistikk-{key}-{board.filters.today:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read æ, ø and å as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow([column.label for column in section.columns])
    writer.writerows(section.csv_rows())
    stats_cache.store(board)
    return response
