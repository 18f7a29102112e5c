"""Benchmark of level-based access: Klubbkontoret and the staff register.

Measures, through the full Django stack (middleware, templates, access log):
- the roster of a 2,000-member club (first page, a deep page, 100 per page),
- a roster search (name prefix, phone) inside that club,
- staff searches across the whole register (name prefix, member number, national id),
- the member card (officer) and the full member page (staff).

The 2,000-member club is created once (bulk insert) in the seeded register if no such
club exists; the bench users get their grants and an MFA authenticator.
"""

from __future__ import annotations

import datetime as dt
import random

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bench.common import Context, Row, get_ok, measure
from clubs.models import AccessGrant, AccessLevel, Branch, Club
from members.crypto import keyed_hash
from members.models import Member, next_member_numbers

AREA = "access"
CLUB_NAME = "Benchklubben (2000 medlemmer)"
CLUB_SIZE = 2000
_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
]
FIRST_NAMES = [
    "Ole",
    "Kari",
    "Lars",
    "Anne",
    "Per",
    "Inger",
    "Jan",
    "Marit",
    "Knut",
    "Liv",
    "Bjørn",
    "Ingrid",
    "Arne",
    "Nina",
    "Geir",
    "Hilde",
    "Tor",
    "Randi",
    "Jon",
    "Eva",
]


def _national_id(rng: random.Random, born: dt.date) -> str:
    while True:
        base = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(0, 499):03d}"
        k1 = (11 - sum(int(d) * w for d, w in zip(base, _K1, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        base += str(k1)
        k2 = (11 - sum(int(d) * w for d, w in zip(base, _K2, strict=True)) % 11) % 11
        if k2 != 10:
            return base + str(k2)


@transaction.atomic
def _bench_club() -> Club:
    """A club with CLUB_SIZE active members, created once."""
    club = Club.objects.filter(name=CLUB_NAME).first()
    if club is not None and club.members.count() >= CLUB_SIZE:
        return club
    branch = Branch.objects.order_by("number").first()
    if club is None:
        club = Club.objects.create(name=CLUB_NAME, branch=branch)
    rng = random.Random(2000)
    existing = set(Member.objects.values_list("national_id_hash", flat=True))
    numbers = next_member_numbers(CLUB_SIZE)
    rows = []
    for number in numbers:
        born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 45))
        while True:
            nid = _national_id(rng, born)
            digest = keyed_hash(nid)
            if digest not in existing:
                existing.add(digest)
                break
        last = rng.choice(LAST_NAMES)
        rows.append(
            Member(
                member_number=number,
                first_name=rng.choice(FIRST_NAMES),
                last_name=last,
                national_id=nid,
                national_id_hash=digest,
                birth_date=born,
                street=f"Benchveien {rng.randint(1, 200)}",
                postal_code=f"{rng.randint(1, 9999):04d}",
                city="Bergen",
                phone=f"+479{rng.randint(0, 9999999):07d}",
                email=f"bench{number}@example.net",
                joined_union_on=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000)),
                branch=branch,
                club=club,
            )
        )
    Member.objects.bulk_create(rows, batch_size=500)
    return club


def _user(email: str, level: str, club: Club | None = None):
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=email, defaults={"email": email})
    grant, _created = AccessGrant.objects.get_or_create(
        user=user, level=level, club=club, branch=None, defaults={"valid_from": dt.date(2020, 1, 1)}
    )
    if grant.activated_at is None:  # a grant counts only once its holder took it up
        grant.activated_at = timezone.now()
        grant.save(update_fields=["activated_at"])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    if club is not None and not Member.objects.filter(user=user).exists():
        # A club's officer (tillitsvalgt) is one of its members: the club's last member
        # by number (the pages measured open the first).
        last = Member.objects.filter(club=club, user__isnull=True).order_by("-member_number")
        Member.objects.filter(pk__in=last.values("pk")[:1]).update(user=user)
    return user


def run(ctx: Context) -> list[Row]:
    club = _bench_club()
    officer = _user("bench-klubb@example.org", AccessLevel.CLUB, club)
    staff = _user("bench-sentral@example.org", AccessLevel.CENTRAL)
    officer_client = ctx.client_for(officer)
    staff_client = ctx.client_for(staff)
    roster = reverse("klubb:roster")
    members = Member.objects.filter(club=club)
    one = members.order_by("member_number").values("id", "member_number", "phone").first()
    nid = Member.objects.get(pk=one["id"]).national_id
    rows: list[Row] = []

    def add(name, fn, note="", repeat=None):
        p50, p95, queries = measure(fn, repeat=repeat or ctx.repeat)
        rows.append(Row(AREA, name, p50, p95, queries, note=note))

    size = members.count()
    add("roster, 2,000-member club, page 1 (50)", get_ok(officer_client, roster), f"{size} members")
    add(
        "roster, page 20, sorted by join date",
        get_ok(officer_client, roster, data={"page": 20, "sort": "-joined"}),
    )
    add("roster, 100 per page", get_ok(officer_client, roster, data={"per_page": 100}))
    add(
        "roster htmx fragment, search 'Han'",
        get_ok(
            officer_client,
            roster,
            data={"q": "Han"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="roster-results",
        ),
    )
    add(
        "roster search, phone digits", get_ok(officer_client, roster, data={"q": one["phone"][-8:]})
    )
    add("member card (logged)", get_ok(officer_client, reverse("klubb:card", args=[one["id"]])))
    search = reverse("register:search")
    add(
        "staff search, name prefix 'Joh'",
        get_ok(staff_client, search, data={"q": "Joh"}),
        f"{ctx.members:,} members",
    )
    add(
        "staff search, member number",
        get_ok(staff_client, search, data={"q": str(one["member_number"])}),
    )

    def national_id_search():
        response = staff_client.post(search, {"q": nid})
        if response.status_code != 302:
            raise RuntimeError(f"national id search answered {response.status_code}")

    add("staff search, exact national id (POST)", national_id_search)
    add(
        "staff member page (all data, logged)",
        get_ok(staff_client, reverse("register:member", args=[one["id"]])),
    )
    return rows
