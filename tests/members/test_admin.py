"""Django admin for the register and the organisation: every page loads, search finds
members by name, number, e-mail, phone and exact national id (via the hash), national
ids stay masked, and writes go through the services."""

import datetime as dt
import random

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clubs.models import AccessGrant, AccessLevel, Position
from members.crypto import keyed_hash
from members.models import (
    Benefit,
    DuesRate,
    Member,
    Order,
    Product,
    TaxDeductionCap,
    Union,
)
from privacy.models import AccessLog, Recipient
from tests.factories import (
    AccessGrantFactory,
    ClubFactory,
    MemberFactory,
    PaymentFactory,
    PositionFactory,
    bank_account,
    national_id_for,
)

pytestmark = pytest.mark.django_db

RNG = random.Random(11)
OUR_APPS = {"members", "clubs"}


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def sample(club, admin_user):
    """One row of every model our admin shows."""
    member = MemberFactory(club=club, first_name="Solveig", last_name="Haugland")
    PositionFactory(member=member)
    PaymentFactory(member=member)
    Union.objects.create(name="Fellesforbundet", in_lo=True)
    Benefit.objects.create(name="Innboforsikring")
    DuesRate.objects.create(year=2025, membership_type="student", flat_monthly_ore=5000)
    TaxDeductionCap.objects.create(year=2025, amount_ore=825000)
    recipient = Recipient.objects.first()
    product = Product.objects.create(name="Reiseforsikring", kind="insurance", partner=recipient)
    Order.objects.create(member=member, product=product)
    AccessGrantFactory(user=admin_user, level=AccessLevel.CLUB, club=club)
    return member


def our_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
        key=lambda m: m._meta.label,
    )


def test_every_model_staff_work_with_is_in_the_admin():
    labels = {m._meta.label for m in our_models()}
    assert {
        "members.Member",
        "members.Payment",
        "members.Union",
        "members.Benefit",
        "members.DuesRate",
        "members.TaxDeductionCap",
        "members.Product",
        "members.Order",
        "clubs.Branch",
        "clubs.Club",
        "clubs.Employer",
        "clubs.Position",
        "clubs.AccessGrant",
    } <= labels


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_each_changelist_add_and_change_page_loads_for_a_superuser(admin_client, sample, model):
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    assert admin_client.get(reverse(f"{base}_changelist")).status_code == 200
    add = admin_client.get(reverse(f"{base}_add"))
    assert add.status_code in (200, 403)
    obj = model.objects.first()
    assert obj is not None
    assert admin_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200
    if hasattr(model, "history"):
        assert admin_client.get(reverse(f"{base}_history", args=[obj.pk])).status_code == 200


def changelist(client, q):
    return client.get(reverse("admin:members_member_changelist"), {"q": q}, follow=True)


def found(response):
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "term",
    ["Haugland", "solveig haug", "number", "email", "phone_local", "phone"],
)
def test_member_search_finds_by_name_number_email_and_phone(admin_client, club, term):
    target = MemberFactory(
        club=club,
        first_name="Solveig",
        last_name="Haugland",
        email="solveig@eksempel.no",
        phone="+4791234567",
    )
    MemberFactory(club=club, first_name="Per", last_name="Olsen", phone="+4798765432")
    q = {
        "number": str(target.member_number),
        "email": "Solveig@Eksempel.no",
        "phone_local": "91234567",
        "phone": "+47 91234567",
    }.get(term, term)
    assert found(changelist(admin_client, q)) == [target]


def test_member_search_by_exact_national_id_uses_the_hash_and_keeps_it_out_of_the_url(
    admin_client, club
):
    target = MemberFactory(club=club)
    MemberFactory(club=club)
    spaced = f"{target.national_id[:6]} {target.national_id[6:]}"
    response = changelist(admin_client, spaced)
    assert found(response) == [target]
    final_url = response.redirect_chain[-1][0]
    assert target.national_id not in final_url
    assert f"fnr%3A{keyed_hash(target.national_id)}" in final_url
    body = response.content.decode()
    assert target.national_id not in body
    assert target.national_id_masked in body


def test_a_national_id_that_matches_nobody_finds_nobody(admin_client, club):
    MemberFactory(club=club)
    other = national_id_for(dt.date(1960, 1, 1), RNG)
    assert found(changelist(admin_client, other)) == []


def test_the_member_lookup_popup_uses_the_same_search(admin_client, club):
    # Related members are picked with the raw-id lookup (select2's autocomplete writes
    # inline styles the CSP forbids): its popup is the changelist with the same search.
    target = MemberFactory(club=club, last_name="Haugland")
    MemberFactory(club=club, last_name="Annen")
    response = admin_client.get(
        reverse("admin:members_member_changelist"),
        {"q": str(target.member_number), "_popup": "1", "_to_field": "id"},
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [target]


def test_the_member_changelist_needs_the_same_number_of_queries_for_more_members(
    admin_client, club
):
    url = reverse("admin:members_member_changelist")
    MemberFactory.create_batch(3, club=club)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(3):
        MemberFactory.create_batch(5, club=ClubFactory())
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.status_code == 200
    # Only the filter lists (one query each) grow in rows, not in number.
    assert len(many) == len(few)


def test_member_list_and_change_page_show_the_national_id_masked(admin_client, club):
    member = MemberFactory(club=club, bank_account=bank_account(RNG))
    listing = admin_client.get(reverse("admin:members_member_changelist")).content.decode()
    page = admin_client.get(
        reverse("admin:members_member_change", args=[member.pk])
    ).content.decode()
    for body in (listing, page):
        assert member.national_id not in body
        assert member.national_id_masked in body
    assert member.bank_account not in page


def test_opening_a_member_in_the_admin_is_logged(admin_client, admin_user, club):
    member = MemberFactory(club=club)
    admin_client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert AccessLog.objects.filter(user=admin_user, member=member, action="view_member").exists()


def member_post_data(club, **extra):
    data = {
        "first_name": "Ingrid",
        "last_name": "Berg",
        "national_id_input": national_id_for(dt.date(1992, 4, 5), RNG),
        "street": "Storgata 1",
        "postal_code": "0155",
        "city": "Oslo",
        "country": "NO",
        "phone": "912 34 567",
        "email": "ingrid@eksempel.no",
        "membership_type": "ordinary",
        "joined_union_on": "2024-01-01",
        "branch": club.branch.pk,
        "club": club.pk,
        "magazine": "paper",
        "bank_account_input": "",
    }
    data.update(extra)
    return data


def test_adding_a_member_in_the_admin_goes_through_the_service(admin_client, admin_user, club):
    data = member_post_data(club)
    response = admin_client.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(last_name="Berg")
    assert member.national_id == data["national_id_input"]
    assert member.birth_date == dt.date(1992, 4, 5)
    assert member.phone == "+4791234567"
    assert member.member_number > 0
    record = member.history.get()
    assert record.history_user == admin_user
    assert record.history_change_reason == "member_create"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("national_id_input", "01019012345"),
        ("national_id_input", ""),
        ("bank_account_input", "12345678901"),
        ("postal_code", "12"),
        ("phone", "123"),
    ],
)
def test_the_admin_form_rejects_invalid_identifiers(admin_client, club, field, value):
    data = member_post_data(club, **{field: value})
    response = admin_client.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Member.objects.exists()


def test_changing_a_member_in_the_admin_records_who_changed_what(admin_client, admin_user, club):
    member = MemberFactory(club=club, city="Bergen", postal_code="5003")
    url = reverse("admin:members_member_change", args=[member.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "city": "Stavanger",
            "postal_code": "4006",
            "national_id_input": "",
            "bank_account_input": "",
            "joined_lo_on": "2015-03-01",
            "joined_union_on": "2015-03-01",
            "joined_branch_on": "2015-03-01",
        }
    )
    for prefix in ("previous_memberships", "benefit_enrolments", "benefit_reservations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    for prefix in ("positions", "payments", "orders"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.city == "Stavanger"
    record = member.history.order_by("-history_id").first()
    assert record.history_user == admin_user
    assert record.history_change_reason == "member_update_profile"


def test_the_history_view_masks_a_changed_national_id(admin_client, admin_user, club):
    from members.services import member_update_profile

    member = MemberFactory(club=club)
    old = member.national_id
    new = national_id_for(dt.date(1977, 7, 7), RNG)
    member_update_profile(member=member, by=admin_user, data={"national_id": new})
    body = admin_client.get(
        reverse("admin:members_member_history", args=[member.pk])
    ).content.decode()
    assert old not in body and new not in body
    assert "070777 *****" in body


def run_action(client, action, members, **form):
    url = reverse("admin:members_member_changelist")
    selected = [m.pk for m in members]
    confirm = client.post(url, {"action": action, "_selected_action": selected})
    assert confirm.status_code == 200
    assert "apply" in confirm.content.decode()
    return client.post(
        url, {"action": action, "_selected_action": selected, "apply": "1", **form}, follow=True
    )


def test_the_resign_action_asks_for_confirmation_then_uses_the_service(
    admin_client, admin_user, club
):
    members = MemberFactory.create_batch(2, club=club)
    run_action(admin_client, "resign_members", members, on="2025-04-30", reason="resigned")
    for member in members:
        member.refresh_from_db()
        assert member.status == "resigned" and member.resigned_on == dt.date(2025, 4, 30)
        assert member.history.order_by("-history_id").first().history_user == admin_user


def test_the_resign_action_reports_members_it_could_not_resign(admin_client, club):
    member = MemberFactory(club=club)
    response = run_action(
        admin_client, "resign_members", [member], on="2025-04-30", reason="transfer_lo"
    )
    member.refresh_from_db()
    assert member.status == "active"
    assert "Velg forbundet" in response.content.decode()


@pytest.mark.parametrize(
    ("action", "form", "expected"),
    [
        ("strike_off_members", {"on": "2025-01-31"}, {"status": "struck_off"}),
        ("record_death", {"on": "2025-01-31"}, {"status": "deceased"}),
        ("change_type", {"membership_type": "pensioner"}, {"membership_type": "pensioner"}),
    ],
)
def test_admin_actions_change_members_through_services(admin_client, club, action, form, expected):
    member = MemberFactory(club=club)
    run_action(admin_client, action, [member], **form)
    member.refresh_from_db()
    for field, value in expected.items():
        assert getattr(member, field) == value


def test_the_rejoin_and_transfer_actions(admin_client, club):
    member = MemberFactory(club=club, status="resigned", resigned_on=dt.date(2024, 1, 1))
    run_action(admin_client, "rejoin_members", [member], on="2025-02-01")
    member.refresh_from_db()
    assert member.status == "active" and member.resigned_on is None
    target = ClubFactory()
    run_action(
        admin_client,
        "transfer_members",
        [member],
        on="2025-03-01",
        branch=target.branch.pk,
        club=target.pk,
    )
    member.refresh_from_db()
    assert member.club == target and member.joined_branch_on == dt.date(2025, 3, 1)


def test_members_cannot_be_deleted_in_the_admin(admin_client, club):
    member = MemberFactory(club=club)
    response = admin_client.get(reverse("admin:members_member_delete", args=[member.pk]))
    assert response.status_code == 403


def test_a_position_added_in_the_admin_goes_through_the_service(admin_client, admin_user, club):
    member = MemberFactory(club=club)
    response = admin_client.post(
        reverse("admin:clubs_position_add"),
        {"member": member.pk, "title": "verneombud", "club": club.pk, "started_on": "2025-01-01"},
    )
    assert response.status_code == 302
    position = Position.objects.get()
    assert position.history.get().history_change_reason == "position_start"
    wrong = admin_client.post(
        reverse("admin:clubs_position_add"),
        {
            "member": member.pk,
            "title": "kasserer",
            "club": ClubFactory().pk,
            "started_on": "2025-01-01",
        },
    )
    assert wrong.status_code == 200 and "club" in wrong.context["adminform"].form.errors


def test_access_grants_can_be_filtered_by_level_and_activity(admin_client, club, admin_user):
    AccessGrantFactory(level=AccessLevel.CLUB, club=club)
    expired = AccessGrantFactory(level=AccessLevel.CLUB, club=club, valid_to=dt.date(2021, 1, 1))
    url = reverse("admin:clubs_accessgrant_changelist")
    response = admin_client.get(url, {"level": "club", "active": "no"})
    assert list(response.context["cl"].result_list) == [expired]
    assert AccessGrant.objects.count() == 2


def test_payments_can_be_searched_by_member_number(admin_client, club):
    payment = PaymentFactory(member=MemberFactory(club=club))
    PaymentFactory(member=MemberFactory(club=club))
    response = admin_client.get(
        reverse("admin:members_payment_changelist"), {"q": str(payment.member.member_number)}
    )
    assert list(response.context["cl"].result_list) == [payment]
    text = admin_client.get(reverse("admin:members_payment_changelist"), {"q": "abc"})
    assert text.status_code == 200


@pytest.mark.django_db
def test_the_admin_national_id_lookup_is_posted_and_never_puts_the_number_in_a_url(
    admin_user, client_for, club
):
    from tests.factories import MemberFactory

    target = MemberFactory(club=club)
    MemberFactory(club=club)
    client = client_for(admin_user)
    page = client.get("/admin/members/member/")
    assert 'name="national_id_lookup"' in page.content.decode()
    response = client.post("/admin/members/member/", {"national_id_lookup": target.national_id})
    assert response.status_code == 302
    assert target.national_id not in response["Location"]
    result = client.get(response["Location"])
    assert list(result.context["cl"].result_list) == [target]
