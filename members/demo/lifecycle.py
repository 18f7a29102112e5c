"""Demo data of the membership lifecycle: applications waiting for staff (one from a
former member, one not yet verified), a resignation waiting for its date, a type
change waiting for approval, and recruits credited to the demo member."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model
from django.utils import timezone

from clubs.models import Employer
from members.crypto import keyed_hash
from members.joining.lifecycle import default_effective_date, employer_change
from members.joining.models import (
    ApplicationStatus,
    ChangeKind,
    JoinApplication,
    MembershipChange,
    PaymentMethod,
    Recruitment,
    Resignation,
)
from members.joining.services import organisation_for
from members.models import Member
from members.validators import make_national_id

APPLICANTS = [
    ("Sigrid", "Haugen", "5003", "Bergen", ApplicationStatus.PENDING),
    ("Ola", "Bakken", "4306", "Sandnes", ApplicationStatus.PENDING),
    ("Amir", "Rahimi", "3015", "Drammen", ApplicationStatus.PENDING),
    ("Line", "Strand", "7030", "Trondheim", ApplicationStatus.UNVERIFIED),
]


class LifecycleSeeding:
    def _demo_national_id(self, born: dt.date) -> str:
        while True:
            try:
                return make_national_id(
                    born,
                    self.rng.randint(500, 999) if born.year >= 2000 else self.rng.randint(0, 499),
                )
            except ValueError:
                continue

    def employer_move(self) -> None:
        """A member who changed employer and so moved into the demo club (Klubbkontoret
        "Nye medlemmer": moved here from another workplace). Once per register."""
        demo_club = getattr(self, "demo_club", None)
        if demo_club is None or demo_club.employer_id is None:
            return
        if MembershipChange.objects.filter(kind=ChangeKind.EMPLOYER).exists():
            return
        mover = (
            Member.objects.filter(status="active", user__isnull=True, resignations__isnull=True)
            .exclude(club=demo_club)
            .order_by("member_number")
            .last()
        )
        if mover is not None:
            employer_change(member=mover, by=None, employer=demo_club.employer)

    def lifecycle(self) -> int:
        """Returns how many applications it created (none on a second run)."""
        self.employer_move()
        if JoinApplication.objects.exists():
            return 0
        now = timezone.now()
        employers = list(Employer.objects.filter(clubs__isnull=False).order_by("pk")[:20])
        created = 0
        for n, (first, last, code, city, status) in enumerate(APPLICANTS):
            born = dt.date(
                1975 + self.rng.randint(0, 30), self.rng.randint(1, 12), self.rng.randint(1, 28)
            )
            national_id = self._demo_national_id(born)
            if Member.objects.filter(national_id_hash=keyed_hash(national_id)).exists():
                continue
            employer = employers[self.rng.randrange(len(employers))] if employers else None
            branch, club = organisation_for(employer)
            received = now - dt.timedelta(days=n + 1, hours=self.rng.randint(0, 8))
            JoinApplication.objects.create(
                status=status,
                first_name=first,
                last_name=last,
                national_id=national_id,
                national_id_hash=keyed_hash(national_id),
                birth_date=born,
                street=f"{self.fake.street_name()} {self.rng.randint(1, 60)}",
                postal_code=code,
                city=city,
                phone=f"+479{self.rng.randint(0, 9999999):07d}",
                email=f"{first.lower()}.{last.lower()}@example.net",
                employer=employer,
                membership_type="ordinary",
                payment_method=PaymentMethod.PAYROLL,
                terms_accepted_at=received,
                privacy_notice_version=None,
                branch=branch,
                club=club,
                token_hash=hashlib.sha256(f"demo-{self.seed}-{n}".encode()).hexdigest(),
                created_at=received,
                verified_at=received if status == ApplicationStatus.PENDING else None,
            )
            created += 1
        # A former member applying again: accepting rejoins the same record.
        former = Member.objects.filter(status="resigned").order_by("member_number").first()
        if former is not None:
            JoinApplication.objects.create(
                status=ApplicationStatus.PENDING,
                first_name=former.first_name,
                last_name=former.last_name,
                national_id=former.national_id,
                national_id_hash=former.national_id_hash,
                birth_date=former.birth_date,
                street=former.street or "Storgata 1",
                postal_code="0150",
                city="Oslo",
                phone=former.phone or "+4791234567",
                email=former.email or "tidligere@example.net",
                membership_type="ordinary",
                payment_method=PaymentMethod.INVOICE,
                terms_accepted_at=now - dt.timedelta(hours=3),
                branch=former.branch,
                rejoin_member=former,
                token_hash=hashlib.sha256(f"demo-{self.seed}-rejoin".encode()).hexdigest(),
                created_at=now - dt.timedelta(hours=3),
                verified_at=now - dt.timedelta(hours=2),
            )
            created += 1
        active = Member.objects.filter(status="active", user__isnull=True).order_by("member_number")
        leaving = (
            active.exclude(club=self.demo_club).first()
            if hasattr(self, "demo_club")
            else active.first()
        )
        if leaving is not None:
            Resignation.objects.create(
                member=leaving,
                reason="resigned",
                effective_on=default_effective_date(self.today),
                created_at=now - dt.timedelta(days=2),
            )
        changing = (
            active.exclude(pk=getattr(leaving, "pk", None))
            .filter(membership_type="ordinary")
            .first()
        )
        if changing is not None:
            MembershipChange.objects.create(
                member=changing,
                kind=ChangeKind.MEMBERSHIP_TYPE,
                membership_type="pensioner",
                previous_membership_type="ordinary",
            )
        # Recruits of the demo member (Min side "Verving"), credited once each.
        recruiter = Member.objects.filter(
            user__in=get_user_model().objects.filter(username="medlem@example.org")
        ).first()
        if recruiter is not None:
            recruits = active.exclude(pk=recruiter.pk).filter(club=recruiter.club)[:3]
            for recruit in recruits:
                Member.objects.filter(pk=recruit.pk).update(recruited_by=recruiter)
                Recruitment.objects.get_or_create(
                    recruit=recruit,
                    credited_on=recruit.joined_union_on,
                    defaults={"recruiter": recruiter, "branch": recruit.branch},
                )
        return created
