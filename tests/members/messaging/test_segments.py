"""Segments and routing: every member's choices decide the channel, officers count only
their own members, and the reasons for leaving someone out add up."""

import datetime as dt

import pytest

from clubs.models import PositionTitle
from members.messaging.models import MessageCategory
from members.messaging.segments import Routing, count, members_in
from members.messaging.text import fill, sms_length, unknown_placeholders
from members.models import MemberStatus
from tests.factories import MemberFactory, PositionFactory

pytestmark = pytest.mark.django_db


def routed(user, *, category=MessageCategory.INFORMATION, email=True, sms=False, letter=False):
    routing = Routing(category=category, email=email, sms=sms, letter=letter)
    members = members_in({}, user)
    by_channel = {
        channel: set(members.filter(routing.for_channel(channel)).values_list("pk", flat=True))
        for channel in ("email", "sms", "letter")
    }
    return by_channel, count(members, routing)


def ids(people, *names):
    return {people[name].pk for name in names}


def test_email_goes_only_to_members_who_accept_email(central_staff, people):
    channels, counted = routed(central_staff, email=True)

    assert channels["email"] == ids(people, "both", "email_only", "reserved", "newsletter") | ids(
        people, "other_club", "other_club_2"
    )
    assert people["sms_only"].pk not in channels["email"]
    assert counted.email == len(channels["email"])


def test_sms_goes_only_to_members_who_accept_sms(central_staff, people):
    channels, counted = routed(central_staff, email=False, sms=True)

    assert ids(people, "both", "sms_only", "other_club_2") <= channels["sms"]
    assert not ids(people, "email_only", "neither", "no_contact") & channels["sms"]
    assert counted.sms == len(channels["sms"])


def test_members_who_accept_neither_get_a_letter_when_they_have_an_address(central_staff, people):
    channels, counted = routed(central_staff, email=True, sms=True, letter=True)

    assert channels["letter"] == ids(people, "neither")
    assert counted.letter == 1
    # Nobody gets both something electronic and a letter.
    assert not channels["letter"] & (channels["email"] | channels["sms"])
    # Left out: no address at all.
    assert counted.no_address == 2  # neither_no_address, no_contact
    assert counted.no_consent == 0
    assert counted.total == counted.reached + counted.left_out


def test_without_letters_the_ones_who_said_no_are_left_out_for_missing_consent(
    central_staff, people
):
    _channels, counted = routed(central_staff, email=True, sms=False)

    # sms_only, neither, neither_no_address refused e-mail; no_contact has no address.
    assert counted.no_consent == 3
    assert counted.no_address == 1
    assert counted.left_out == 4
    assert dict(counted.reasons())


def test_a_notice_ignores_marketing_choices_but_not_missing_addresses(central_staff, people):
    channels, counted = routed(central_staff, category=MessageCategory.NOTICE, email=True)

    assert ids(people, "sms_only", "neither", "neither_no_address") <= channels["email"]
    assert counted.left_out == 1  # no_contact: no e-mail address
    assert counted.no_address == 1


def test_benefit_marketing_skips_reserved_members(central_staff, people):
    channels, counted = routed(central_staff, category=MessageCategory.BENEFITS, letter=True)

    assert people["reserved"].pk not in channels["email"] | channels["letter"]
    assert counted.reserved == 1


def test_the_newsletter_goes_only_to_those_who_asked_for_it(central_staff, people):
    channels, counted = routed(central_staff, category=MessageCategory.NEWSLETTER, letter=True)

    assert channels["email"] == ids(people, "newsletter")
    assert channels["letter"] == set()  # no newsletter on paper
    assert counted.no_consent == counted.total - 1


def test_an_officer_counts_only_their_own_members(club_officer, people):
    channels, counted = routed(club_officer, email=True, sms=True, letter=True)

    everyone = channels["email"] | channels["sms"] | channels["letter"]
    assert not everyone & ids(people, "other_club", "other_club_2")
    assert counted.total == 8


def test_an_officer_cannot_widen_the_segment_to_another_club(club_officer, people, other_club):
    members = members_in({"clubs": [other_club.pk]}, club_officer)

    assert members.count() == 0


def test_filters_combine(central_staff, club, people):
    holder = MemberFactory(club=club, birth_date=dt.date(1990, 5, 1))
    PositionFactory(member=holder, title=PositionTitle.VERNEOMBUD)
    today = dt.date(2026, 6, 1)

    segment = {"titles": ["verneombud"], "clubs": [club.pk], "statuses": ["active"]}
    assert list(members_in(segment, central_staff, today=today)) == [holder]
    assert not members_in({**segment, "age_min": 40}, central_staff, today=today).exists()
    assert members_in({**segment, "age_min": 36, "age_max": 36}, central_staff, today=today)
    assert not members_in({**segment, "joined_from": "2020-01-01"}, central_staff).exists()


def test_deceased_members_never_get_mail(central_staff, club):
    MemberFactory(club=club, status=MemberStatus.DECEASED, resigned_on=dt.date(2024, 1, 1))

    assert not members_in({}, central_staff).exists()


def test_placeholders_are_filled_and_unknown_ones_are_reported():
    values = {"fornavn": "Kari", "medlemsnummer": "1234", "klubb": "Klubb A"}

    assert fill("Hei {fornavn} ({medlemsnummer}) i {klubb}", values) == "Hei Kari (1234) i Klubb A"
    assert fill("{national_id}", values) == "{national_id}"
    assert unknown_placeholders("Hei {fornavn}, {national_id} {email}") == ["email", "national_id"]


@pytest.mark.parametrize(
    ("text", "parts", "unicode"),
    [
        ("", 0, False),
        ("a" * 160, 1, False),
        ("a" * 161, 2, False),
        ("a" * 306, 2, False),
        ("a" * 307, 3, False),
        ("æøå ÆØÅ" * 20, 1, False),  # Norwegian letters are in the GSM alphabet
        ("€" * 80, 1, False),  # two units each
        ("€" * 81, 2, False),
        ("ş" * 70, 1, True),
        ("ş" * 71, 2, True),
    ],
)
def test_sms_parts_are_counted_as_the_network_does(text, parts, unicode):
    length = sms_length(text)

    assert (length.parts, length.unicode) == (parts, unicode)


def test_branch_employer_and_membership_type_each_narrow_the_segment(
    central_staff, club, other_club
):
    from members.choices import MembershipType

    here = MemberFactory(club=club)
    student = MemberFactory(club=club, membership_type=MembershipType.STUDENT)
    there = MemberFactory(club=other_club)

    def found(segment):
        return set(members_in(segment, central_staff).values_list("pk", flat=True))

    assert found({"branches": [club.branch_id]}) == {here.pk, student.pk}
    assert found({"employers": [other_club.employer_id]}) == {there.pk}
    assert found({"types": [MembershipType.STUDENT]}) == {student.pk}
    # Combined: a student of the other branch does not exist.
    assert found({"types": [MembershipType.STUDENT], "branches": [other_club.branch_id]}) == set()
    assert found({}) == {here.pk, student.pk, there.pk}


def test_a_letter_that_fits_the_limit_is_one_page_with_all_its_text():
    import io

    from pypdf import PdfReader

    from members.documents import render_pdf
    from members.messaging.text import LETTER_LINE_CHARS, LETTER_MAX_LINES, letter_lines

    line = ("Tariffoppgjøret og forhandlingene med arbeidsgiveren " * 3)[:LETTER_LINE_CHARS]
    subject = "Innkalling til årsmøte i {klubb}"
    rows = LETTER_MAX_LINES - 2
    body = "\n".join(f"{line[:-4]}L{i:02d}" for i in range(rows))
    assert letter_lines(subject, body) == LETTER_MAX_LINES
    letter = {
        "category": "Varsel (ikke markedsføring)",
        "name": "Kristoffer Nordmann",
        "street": "Storgata 1",
        "postal_code": "0101",
        "city": "Oslo",
        "subject": fill(subject, {"klubb": "Klubb Raffineriet"}),
        "body": body,
    }

    pdf = render_pdf("pdf/letters.html", {"letters": [letter, letter], "message": None})

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 2
    text = pages[0].extract_text()
    assert "Storgata 1" in text
    assert "VARSEL" in text.upper()
    assert f"L{rows - 1:02d}" in text  # the last line is on the page, not clipped
    assert letter_lines(subject, body + "\nEn linje til") > LETTER_MAX_LINES
