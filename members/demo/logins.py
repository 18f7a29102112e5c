"""Seeds the demo logins of the README (with TOTP for officers and staff) and a few
hundred more members with a login."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clubs.models import AccessGrant, AccessLevel
from members.models import (
    Member,
)

from .data import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET


class LoginSeeding:
    """The demo logins and other member logins."""

    # --- logins --------------------------------------------------------------------------

    def logins(self, rows: list[dict]) -> dict[str, object]:
        """The five demo logins and a few hundred more members with a login."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        User = get_user_model()
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow by design
        users = {}
        for email in DEMO_LOGINS:
            user, _ = User.objects.get_or_create(
                username=email, defaults={"email": email, "password": password}
            )
            users[email] = user
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        admin = users["admin@example.org"]
        if not (admin.is_superuser and admin.is_staff):
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        grants = [
            ("sentral@example.org", AccessLevel.CENTRAL, None, None),
            ("avdeling@example.org", AccessLevel.BRANCH, self.demo_club.branch, None),
            ("klubb@example.org", AccessLevel.CLUB, None, self.demo_club),
        ]
        for email, level, branch, club in grants:
            AccessGrant.objects.get_or_create(
                user=users[email],
                level=level,
                branch=branch,
                club=club,
                defaults={
                    "valid_from": dt.date(2020, 1, 1),
                    "note": "Demo",
                    "activated_at": timezone.now(),
                },
            )
        for email in DEMO_LOGINS[:4]:
            if not Authenticator.objects.filter(
                user=users[email], type=Authenticator.Type.TOTP
            ).exists():
                TOTP.activate(users[email], DEMO_TOTP_SECRET)
        # The demo member: an active member of the demo club without a login yet.
        linked_ids = set()
        member_user = users["medlem@example.org"]
        if not Member.objects.filter(user=member_user).exists():
            demo = (
                Member.objects.filter(club=self.demo_club, status="active", user__isnull=True)
                .order_by("member_number")
                .first()
            )
            if demo is not None:
                Member.objects.filter(pk=demo.pk).update(
                    user=member_user, email="medlem@example.org"
                )
                linked_ids.add(demo.pk)
        # A few hundred more members with their own login (same demo password).
        candidates = [
            r for r in rows if r["status"] == "active" and r["email"] and r["id"] not in linked_ids
        ]
        chosen = candidates[: min(300, self.n // 10)]
        existing = set(
            User.objects.filter(username__in=[r["email"] for r in chosen]).values_list(
                "username", flat=True
            )
        )
        chosen = [r for r in chosen if r["email"] not in existing]
        new_users = User.objects.bulk_create(
            [User(username=r["email"], email=r["email"], password=password) for r in chosen]
        )
        if new_users and new_users[0].pk is None:  # backends without RETURNING
            by_name = dict(
                User.objects.filter(username__in=[u.username for u in new_users]).values_list(
                    "username", "pk"
                )
            )
            for user in new_users:
                user.pk = by_name[user.username]
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new_users]
        )
        user_by_email = {u.email: u.pk for u in new_users}
        members = []
        for row in chosen:
            members.append(Member(pk=row["id"], user_id=user_by_email[row["email"]]))
        Member.objects.bulk_update(members, ["user"], batch_size=1000)
        self.report.users = len(new_users) + len(DEMO_LOGINS)
        return users
