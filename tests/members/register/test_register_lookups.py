"""The staff register's dependent club list ("Flytt") and employer search ("Endre")."""

import pytest
from django.urls import reverse

from tests.factories import BranchFactory, ClubFactory, EmployerFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _edit_data(client, member) -> dict:
    form = client.get(reverse("register:edit", args=[member.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    for name in ("joined_lo_on", "joined_union_on", "joined_branch_on"):
        data[name] = "2015-03-01"
    return data


def test_the_transfer_form_lists_only_the_clubs_of_the_members_branch(central_staff, client_for):
    member = MemberFactory()
    own = ClubFactory(branch=member.branch, name="Egen klubb")
    ClubFactory(name="Fremmed klubb")
    page = client_for(central_staff).get(reverse("register:action", args=[member.pk, "flytt"]))
    text = page.content.decode()
    assert own.name in text and "Fremmed klubb" not in text
    assert 'hx-get="/medlemsregister/flytt/klubber/"' in text
    assert "<script>" not in text


def test_choosing_a_branch_fetches_its_clubs(central_staff, client_for):
    branch = BranchFactory()
    ClubFactory(branch=branch, name="Riktig klubb")
    ClubFactory(name="Annen klubb")
    response = client_for(central_staff).get(
        reverse("register:transfer_clubs"), {"branch": branch.pk}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_club"' in text and "Riktig klubb" in text and "Annen klubb" not in text


def test_a_club_of_another_branch_is_refused_and_the_list_follows_the_branch(
    central_staff, client_for
):
    member = MemberFactory()
    branch = BranchFactory()
    wrong = ClubFactory(name="Feil avdelings klubb")
    right = ClubFactory(branch=branch, name="Rett avdelings klubb")
    response = client_for(central_staff).post(
        reverse("register:action", args=[member.pk, "flytt"]),
        {"on": "2025-03-01", "branch": branch.pk, "club": wrong.pk, "confirm": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["club"]
    text = response.content.decode()
    assert right.name in text and wrong.name not in text


@pytest.mark.parametrize("user", ["member", "club_officer", "branch_officer"])
def test_the_lookups_do_not_exist_for_others(user, request, client_for):
    client = client_for(request.getfixturevalue(user))
    assert client.get(reverse("register:transfer_clubs"), {"branch": 1}).status_code == 404
    search = reverse("register:employer_search")
    assert client.get(search, {"employer_query": "AS"}).status_code == 404


def test_the_edit_form_has_no_select_of_every_employer(central_staff, client_for):
    member = MemberFactory()
    others = EmployerFactory.create_batch(5)
    page = client_for(central_staff).get(reverse("register:edit", args=[member.pk]))
    text = page.content.decode()
    assert member.employer.name in text and member.employer.org_number in text
    assert not any(e.name in text for e in others)
    assert 'name="employer_query"' in text


def test_employer_search_finds_by_name_and_org_number_and_shows_org_numbers(
    central_staff, client_for
):
    one = EmployerFactory(name="Mongstad Raffineri AS")
    EmployerFactory(name="Mongstad Kantine AS")
    client = client_for(central_staff)
    url = reverse("register:employer_search")
    by_name = client.get(url, {"employer_query": "mongstad"}).content.decode()
    assert "Mongstad Raffineri AS" in by_name and "Mongstad Kantine AS" in by_name
    assert one.org_number in by_name
    by_number = client.get(url, {"employer_query": one.org_number}).content.decode()
    assert "Mongstad Raffineri AS" in by_number and "Kantine" not in by_number


def test_saving_keeps_the_employer_changes_it_or_clears_it(central_staff, client_for):
    member = MemberFactory()
    kept = member.employer
    new = EmployerFactory()
    client = client_for(central_staff)
    url = reverse("register:edit", args=[member.pk])
    data = _edit_data(client, member)
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.employer == kept
    assert client.post(url, {**data, "employer": new.pk}).status_code == 302
    member.refresh_from_db()
    assert member.employer == new
    assert client.post(url, {**data, "employer": ""}).status_code == 302
    member.refresh_from_db()
    assert member.employer is None
