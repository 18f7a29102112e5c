"""Load-test users: `python -m bench.load.setup` (also run by `python -m bench.load`).

Creates, in the database named by DATABASE_URL (seeded at scale by `python -m bench`),
logins that locust signs in through the real login form:

- `load-medlem-N@example.net`: an active member with a Min side login (no MFA),
- `load-klubb-N@example.net`: an officer of the 2,000-member bench club, TOTP,
- `load-sentral-N@example.net`: central staff, TOTP,

all with the password LOAD_PASSWORD and the TOTP secret LOAD_TOTP_SECRET (this is a
bench database: never run it against a real register). Writes a JSON state file the
locustfile reads: the logins and some member ids each kind of user may open.
"""

from __future__ import annotations

import datetime as dt
import json
import os

LOAD_PASSWORD = "Belastning-2024-passord"
LOAD_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
STATE_FILE = os.environ.get("LOAD_STATE", "/tmp/medlemsportal-load.json")
COUNTS = {"medlem": 60, "klubb": 30, "sentral": 30}


def create_users() -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from bench.access import _bench_club
    from clubs.models import AccessGrant, AccessLevel
    from members.models import Member

    User = get_user_model()
    club = _bench_club()
    password = make_password(LOAD_PASSWORD)
    state: dict = {"password": LOAD_PASSWORD, "totp_secret": LOAD_TOTP_SECRET, "users": {}}

    def login(email: str):
        user, _ = User.objects.get_or_create(username=email, defaults={"email": email})
        user.password = password
        user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    with transaction.atomic():
        # Min side: active members outside the bench club, one login each.
        members = list(
            Member.objects.filter(status="active", user__isnull=True)
            .exclude(club=club)
            .order_by("member_number")[: COUNTS["medlem"]]
        )
        emails = []
        for n in range(COUNTS["medlem"]):
            email = f"load-medlem-{n}@example.net"
            user = login(email)
            member = Member.objects.filter(user=user).first()
            if member is None:
                member = next(m for m in members if m.user_id is None)
                member.user_id = user.pk
                Member.objects.filter(pk=member.pk).update(user=user)
            emails.append(email)
        state["users"]["medlem"] = emails

        for kind, level, grant_club in (
            ("klubb", AccessLevel.CLUB, club),
            ("sentral", AccessLevel.CENTRAL, None),
        ):
            emails = []
            for n in range(COUNTS[kind]):
                email = f"load-{kind}-{n}@example.net"
                user = login(email)
                AccessGrant.objects.get_or_create(
                    user=user,
                    level=level,
                    club=grant_club,
                    branch=None,
                    defaults={
                        "valid_from": dt.date(2020, 1, 1),
                        "activated_at": timezone.now(),
                        "note": "Load test",
                    },
                )
                if not Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists():
                    TOTP.activate(user, LOAD_TOTP_SECRET)
                emails.append(email)
            state["users"][kind] = emails

    state["club_member_ids"] = list(
        Member.objects.filter(club=club).order_by("?").values_list("pk", flat=True)[:500]
    )
    state["member_ids"] = list(Member.objects.order_by("?").values_list("pk", flat=True)[:500])
    state["member_numbers"] = list(
        Member.objects.order_by("?").values_list("member_number", flat=True)[:500]
    )
    return state


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    state = create_users()
    with open(STATE_FILE, "w") as handle:
        json.dump(state, handle)
    counts = {kind: len(emails) for kind, emails in state["users"].items()}
    print(f"load users ready ({counts}); state in {STATE_FILE}")


if __name__ == "__main__":
    main()
