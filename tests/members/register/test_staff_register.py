"""The staff register: search, the full member page, reveal, edit and actions."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member, MemberStatus, Union
from privacy.models import AccessAction, AccessLog
from tests.conftest import totp_now
from tests.factories import BranchFactory, ClubFactory, MemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("register:search")


def fresh_login(client, user, *, method: str = "mfa") -> None:
    """Record a re-authentication just now in the session, as allauth does: with the
    second factor (TOTP) by default, or with the password alone."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time() - 3600},
        {"method": "mfa", "at": time.time() - 3600, "type": "totp"},
        {"method": method, "at": time.time(), "reauthenticated": True},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("user", ["member", "club_officer", "other_club_officer", "branch_officer"])
def test_the_register_does_not_exist_for_anyone_but_central_staff(user, request, client_for):
    member = MemberFactory()
    client = client_for(request.getfixturevalue(user))
    assert client.get(SEARCH).status_code == 404
    assert client.get(reverse("register:member", args=[member.pk])).status_code == 404
    assert client.post(reverse("register:reveal", args=[member.pk])).status_code == 404
    assert client.get(reverse("register:grants")).status_code == 404


def test_staff_search_finds_members_across_every_club(central_staff, club, other_club, client_for):
    MemberFactory(club=club, last_name="Vestby")
    MemberFactory(club=other_club, last_name="Vestre")
    MemberFactory(club=other_club, last_name="Østby")
    page = html(client_for(central_staff).get(SEARCH, {"q": "vest"}))
    assert "Vestby" in page and "Vestre" in page and "Østby" not in page


def test_a_posted_query_redirects_to_a_bookmarkable_search(central_staff, client_for):
    response = client_for(central_staff).post(SEARCH, {"q": "Nordmann"})
    assert response.status_code == 302
    assert response["Location"] == SEARCH + "?q=Nordmann"


def test_a_national_id_search_is_exact_and_never_in_a_url(central_staff, client_for):
    wanted = MemberFactory(last_name="Eksakt")
    MemberFactory(last_name="Annen")
    response = client_for(central_staff).post(SEARCH, {"q": wanted.national_id})
    assert response.status_code == 302
    assert response["Location"] == reverse("register:member", args=[wanted.pk])
    assert wanted.national_id not in response["Location"]


def test_a_national_id_without_a_member_says_so_without_echoing_it(central_staff, client_for):
    import random

    from tests.factories import national_id_for

    unknown = national_id_for(dt.date(1977, 7, 7), random.Random(1))
    response = client_for(central_staff).post(SEARCH, {"q": unknown})
    assert response.status_code == 200
    assert "Ingen medlemmer har dette fødselsnummeret" in html(response)
    assert unknown not in html(response)


def test_a_national_id_in_the_query_string_is_refused(central_staff, client_for):
    member = MemberFactory()
    response = client_for(central_staff).get(SEARCH, {"q": member.national_id})
    assert response.status_code == 302
    assert response["Location"] == SEARCH
    assert not AccessLog.objects.exists()


def test_each_search_is_logged_with_the_kind_of_query_only(central_staff, client_for):
    member = MemberFactory(last_name="Loggesen", email="logg@example.net")
    client = client_for(central_staff)
    client.get(SEARCH, {"q": "Loggesen"})
    client.get(SEARCH, {"q": str(member.member_number)})
    client.get(SEARCH, {"q": "logg@example.net"})
    client.post(SEARCH, {"q": member.national_id})
    entries = list(AccessLog.objects.filter(action=AccessAction.SEARCH).order_by("id"))
    assert [e.detail["kind"] for e in entries] == [
        "name",
        "member_number_or_phone",
        "email",
        "national_id",
    ]
    for entry in entries:
        flat = str(entry.detail)
        assert "Loggesen" not in flat and member.national_id not in flat
        assert "logg@example.net" not in flat


@pytest.mark.parametrize("rows", [10, 100])
def test_staff_search_query_count_does_not_depend_on_results(
    rows, central_staff, club, client_for, django_assert_max_num_queries
):
    MemberFactory.create_batch(rows, club=club, last_name="Mengde")
    client = client_for(central_staff)
    client.get(SEARCH)
    with django_assert_max_num_queries(12):
        response = client.get(SEARCH, {"q": "Mengde"})
    assert response.context["page"].paginator.count == rows


def test_the_member_page_shows_everything_with_national_id_and_account_masked(
    central_staff, client_for
):
    member = MemberFactory(last_name="Fullsen")
    PaymentFactory(member=member, amount_ore=57500)
    page = html(client_for(central_staff).get(reverse("register:member", args=[member.pk])))
    assert "Fullsen" in page
    assert member.national_id_masked in page and member.national_id not in page
    assert member.bank_account_masked in page and member.bank_account not in page
    assert str(member.employer) in page
    assert "575,00" in page or "575.00" in page
    entry = AccessLog.objects.get()
    assert entry.action == AccessAction.VIEW_MEMBER and entry.member == member


def test_reveal_needs_a_fresh_login_and_sends_the_user_to_reauthenticate(central_staff, client_for):
    member = MemberFactory()
    response = client_for(central_staff).post(reverse("register:reveal", args=[member.pk]))
    assert response.status_code == 302
    # The second factor, not the password: a stolen password reveals nothing.
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert member.national_id not in response["Location"]
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL_NATIONAL_ID).exists()


def test_after_reauthenticating_the_reveal_goes_through(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    url = reverse("register:reveal", args=[member.pk])
    redirect_to = client.post(url)["Location"]
    response = client.post(redirect_to, {"code": totp_now()}, follow=True)
    assert response.status_code == 200
    assert member.national_id in html(response)
    assert (
        AccessLog.objects.filter(action=AccessAction.REVEAL_NATIONAL_ID, member=member).count() == 1
    )


def test_a_fresh_password_alone_does_not_reveal(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    fresh_login(client, central_staff, method="password")
    response = client.post(reverse("register:reveal", args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL_NATIONAL_ID).exists()


def test_the_password_reauthentication_page_is_not_offered_to_staff(central_staff, client_for):
    response = client_for(central_staff).get(reverse("account_reauthenticate"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_reveal_with_a_fresh_login_shows_and_logs(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    fresh_login(client, central_staff)
    response = client.post(reverse("register:reveal", args=[member.pk]))
    assert response.status_code == 200
    assert member.national_id in html(response) and member.bank_account in html(response)
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get(action=AccessAction.REVEAL_NATIONAL_ID)
    assert entry.member == member and entry.user == central_staff


def test_reveal_is_post_only(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    fresh_login(client, central_staff)
    assert client.get(reverse("register:reveal", args=[member.pk])).status_code == 405


def test_staff_edit_goes_through_the_service_and_leaves_history(central_staff, client_for):
    member = MemberFactory(last_name="Før")
    client = client_for(central_staff)
    url = reverse("register:edit", args=[member.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(last_name="Etter", employer=member.employer_id, joined_union_on="2015-03-01")
    data["joined_lo_on"] = "2015-03-01"
    data["joined_branch_on"] = "2015-03-01"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    assert member.last_name == "Etter"
    latest = member.history.first()
    assert latest.history_user == central_staff
    page = html(client.get(reverse("register:member", args=[member.pk])))
    assert "Før" in page and "Etter" in page  # the change history


def test_a_bad_new_national_id_is_refused_on_the_field(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    url = reverse("register:edit", args=[member.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update(new_national_id="12345678901", employer=member.employer_id)
    data.update(
        joined_union_on="2015-03-01", joined_lo_on="2015-03-01", joined_branch_on="2015-03-01"
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors.get("new_national_id")
    member.refresh_from_db()
    assert member.national_id != "12345678901"


def test_the_edit_form_never_contains_the_national_id_or_account(central_staff, client_for):
    member = MemberFactory()
    page = html(client_for(central_staff).get(reverse("register:edit", args=[member.pk])))
    assert member.national_id not in page and member.bank_account not in page


def test_resigning_needs_confirmation_and_explains_the_consequences(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    url = reverse("register:action", args=[member.pk, "meld-ut"])
    page = client.get(url)
    assert "Dette skjer" in html(page)
    unconfirmed = client.post(url, {"on": "2025-01-31", "reason": "resigned"})
    assert unconfirmed.status_code == 200
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    confirmed = client.post(url, {"on": "2025-01-31", "reason": "resigned", "confirm": "on"})
    assert confirmed.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.RESIGNED
    assert member.resigned_on == dt.date(2025, 1, 31)


def test_a_transfer_to_another_lo_union_records_the_union(central_staff, client_for):
    member = MemberFactory()
    union = Union.objects.create(name="Fellesforbundet", in_lo=True)
    response = client_for(central_staff).post(
        reverse("register:action", args=[member.pk, "meld-ut"]),
        {"on": "2025-02-01", "reason": "transfer_lo", "union": union.pk, "confirm": "on"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED and member.resignation_union == union


def test_a_service_rule_shows_on_the_form(central_staff, client_for):
    member = MemberFactory()
    response = client_for(central_staff).post(
        reverse("register:action", args=[member.pk, "meld-ut"]),
        {"on": "2025-02-01", "reason": "transfer_lo", "confirm": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("union")


@pytest.mark.parametrize(
    ("slug", "status"),
    [("stryk", MemberStatus.STRUCK_OFF), ("dodsfall", MemberStatus.DECEASED)],
)
def test_strike_off_and_death_end_the_membership(slug, status, central_staff, client_for):
    member = MemberFactory()
    response = client_for(central_staff).post(
        reverse("register:action", args=[member.pk, slug]), {"on": "2025-03-01", "confirm": "on"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == status


def test_moving_a_member_to_another_club(central_staff, client_for):
    member = MemberFactory()
    branch = BranchFactory()
    club = ClubFactory(branch=branch)
    response = client_for(central_staff).post(
        reverse("register:action", args=[member.pk, "flytt"]),
        {"on": "2025-03-01", "branch": branch.pk, "club": club.pk, "confirm": "on"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.club == club and member.branch == branch


def test_rejoin_is_offered_only_to_former_members(central_staff, client_for):
    member = MemberFactory()
    client = client_for(central_staff)
    url = reverse("register:action", args=[member.pk, "gjeninnmeld"])
    assert client.get(url).status_code == 302  # active: not applicable
    Member.objects.filter(pk=member.pk).update(
        status=MemberStatus.RESIGNED, resigned_on=dt.date(2024, 1, 1), resignation_reason="resigned"
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {"on": "2025-04-01", "confirm": "on"}).status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and member.joined_union_on == dt.date(2025, 4, 1)


def test_an_unknown_action_is_a_404(central_staff, client_for):
    member = MemberFactory()
    response = client_for(central_staff).get(reverse("register:action", args=[member.pk, "slett"]))
    assert response.status_code == 404


def test_the_access_log_can_be_browsed_per_member_and_per_user(
    central_staff, club_officer, club, client_for
):
    member = MemberFactory(club=club, last_name="Innsyn")
    client_for(club_officer).get(reverse("klubb:card", args=[member.pk]))
    client = client_for(central_staff)
    per_member = client.get(reverse("register:access_log_member", args=[member.pk]))
    assert club_officer.email in html(per_member)
    per_user = client.get(reverse("register:access_log_user", args=[club_officer.pk]))
    assert "Innsyn" in html(per_user)
    everyone = client.get(reverse("register:access_log"), {"bruker": "klubb@"})
    assert "Innsyn" in html(everyone)


def test_the_member_page_uses_a_fixed_number_of_queries(central_staff, client_for):
    member = MemberFactory()
    PaymentFactory.create_batch(5, member=member)
    client = client_for(central_staff)
    client.get(SEARCH)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("register:member", args=[member.pk]))
    PaymentFactory.create_batch(20, member=member)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("register:member", args=[member.pk]))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_member_page_works_for_a_member_without_any_history(central_staff, client_for):
    member = MemberFactory()
    member.history.all().delete()  # as after a bulk import, which writes no history
    response = client_for(central_staff).get(reverse("register:member", args=[member.pk]))
    assert response.status_code == 200
    assert response.context["history"] == []


def test_a_very_broad_search_says_more_than_the_cap(central_staff, club, client_for, monkeypatch):
    from members.register.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 5)
    MemberFactory.create_batch(8, club=club, last_name="Bredde")
    response = client_for(central_staff).get(SEARCH, {"q": "Bredde"})
    assert "Mer enn 5 treff" in html(response)
    assert len(response.context["rows"]) == 6  # the pages cover what was counted


@pytest.mark.django_db
def test_staff_can_send_a_member_an_invitation_to_min_side(
    client_for, central_staff, club, django_capture_on_commit_callbacks
):
    from django.core import mail

    from members.models import MemberInvitation
    from tests.factories import MemberFactory

    target = MemberFactory(club=club, email="uten.login@example.net")
    client = client_for(central_staff)
    page = client.get(f"/medlemsregister/medlem/{target.pk}/")
    assert "Send invitasjon til Min side" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/medlemsregister/medlem/{target.pk}/inviter/")
    assert response.status_code == 302
    assert MemberInvitation.objects.filter(member=target, used_at__isnull=True).count() == 1
    assert [m.to for m in mail.outbox] == [["uten.login@example.net"]]


@pytest.mark.django_db
def test_an_officer_cannot_send_invitations(client_for, club_officer, club):
    from members.models import MemberInvitation
    from tests.factories import MemberFactory

    target = MemberFactory(club=club)
    response = client_for(club_officer).post(f"/medlemsregister/medlem/{target.pk}/inviter/")
    assert response.status_code == 404
    assert not MemberInvitation.objects.exists()
