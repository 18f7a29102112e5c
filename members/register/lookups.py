"""htmx fragments of the staff register's forms: the clubs of a branch for "Flytt" and
the employer search of "Endre". Central staff only, like the rest of the register."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from clubs.permissions import central_staff_required
from members.joining.forms import find_employers

from .forms import TransferForm


@central_staff_required
@require_GET
def transfer_clubs(request):
    """The club select of the transfer form, for the branch in `?branch=`."""
    form = TransferForm(initial={"branch": request.GET.get("branch")})
    return render(request, "members/register/_club_select.html", {"form": form})


@central_staff_required
@require_GET
def employer_search(request):
    """Employers matching a name or an org number, as radio choices with org numbers."""
    query = request.GET.get("employer_query", "")
    return render(
        request,
        "members/register/_employer_results.html",
        {"employer_results": list(find_employers(query, limit=15)), "query": query},
    )
