"""Seeds the organisation (branches, employers, clubs) and the reference tables
(unions, benefits, products, recipients, dues rates, tax caps)."""

from __future__ import annotations

from clubs.models import Branch, Club, Employer
from members.models import (
    Benefit,
    DuesRate,
    MembershipType,
    Product,
    TaxDeductionCap,
    Union,
)

from .data import (
    BENEFITS,
    BRANCHES,
    FLAT_RATES,
    INDUSTRIES,
    LO_UNIONS,
    ORDINARY_RATES,
    OTHER_UNIONS,
    PRODUCTS,
    RECIPIENT_DEFAULTS,
    TAX_CAPS,
)
from .values import (
    org_number,
    unique,
)


class OrganisationSeeding:
    """Branches, employers, clubs and the reference tables."""

    # --- reference data ------------------------------------------------------------

    def organisation(self) -> None:
        """~20 branches, 250 employers with valid org numbers, 300 clubs. Rows that a
        previous run created (same seed) are reused."""
        rng = self.rng
        self.branches = []
        for number, name, places in BRANCHES:
            branch, _ = Branch.objects.get_or_create(number=number, defaults={"name": name})
            self.branches.append((branch, places))
        surnames = unique(self.fake.last_name() for _ in range(400))
        used: set[str] = set()
        planned = []
        for _ in range(250):
            name = f"{rng.choice(surnames)} {rng.choice(INDUSTRIES)} {rng.choice(['AS', 'ASA'])}"
            planned.append(Employer(name=name, org_number=org_number(rng, used)))
        Employer.objects.bulk_create(planned, batch_size=500, ignore_conflicts=True)
        by_number = {
            e.org_number: e
            for e in Employer.objects.filter(org_number__in=[p.org_number for p in planned])
        }
        self.employers = [by_number[p.org_number] for p in planned]
        names: dict[str, int] = {}
        wanted = []
        for i in range(300):
            employer = self.employers[i % len(self.employers)]
            base = employer.name.removesuffix(" ASA").removesuffix(" AS") + " klubb"
            if i >= len(self.employers):
                base += " – verkstedklubben"
            names[base] = names.get(base, 0) + 1
            name = base if names[base] == 1 else f"{base} {names[base]}"
            # The first club (the demo club) is at Mongstad.
            branch = self.branches[10 if i == 0 else (i * 7) % len(self.branches)][0]
            wanted.append((name, branch, employer))
        existing = {
            (c.name, c.branch_id): c for c in Club.objects.filter(name__in=[w[0] for w in wanted])
        }
        Club.objects.bulk_create(
            [
                Club(name=name, branch=branch, employer=employer)
                for name, branch, employer in wanted
                if (name, branch.pk) not in existing
            ],
            batch_size=500,
        )
        existing = {
            (c.name, c.branch_id): c
            for c in Club.objects.filter(name__in=[w[0] for w in wanted]).select_related(
                "branch", "employer"
            )
        }
        self.clubs = [existing[(name, branch.pk)] for name, branch, _e in wanted]
        self.demo_club = self.clubs[0]

    def reference_tables(self) -> None:
        self.lo_unions = [
            Union.objects.get_or_create(name=name, defaults={"in_lo": True})[0]
            for name in LO_UNIONS
        ]
        self.other_unions = [
            Union.objects.get_or_create(name=name, defaults={"in_lo": False})[0]
            for name in OTHER_UNIONS
        ]
        self.benefits = [
            Benefit.objects.get_or_create(name=name, defaults={"provider": provider})[0]
            for name, provider in BENEFITS
        ]
        for year, (percent, cap, legal) in ORDINARY_RATES.items():
            DuesRate.objects.update_or_create(
                year=year,
                membership_type=MembershipType.ORDINARY,
                defaults={
                    "percent": percent,
                    "monthly_cap_ore": cap * 100,
                    "legal_aid_ore": legal * 100,
                    "flat_monthly_ore": None,
                },
            )
            for kind, flat in FLAT_RATES.items():
                DuesRate.objects.update_or_create(
                    year=year,
                    membership_type=kind,
                    defaults={"flat_monthly_ore": flat * 100, "legal_aid_ore": 0},
                )
        for year, kroner in TAX_CAPS.items():
            TaxDeductionCap.objects.update_or_create(
                year=year, defaults={"amount_ore": kroner * 100}
            )
        from privacy.models import Recipient

        partners = {
            slug: Recipient.objects.get_or_create(slug=slug, defaults=defaults)[0]
            for slug, defaults in RECIPIENT_DEFAULTS.items()
        }
        self.products = [
            Product.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "partner": partners[slug],
                    "price_ore": price,
                    "price_period": period,
                    "description": f"{name} for medlemmer, levert av {partners[slug].name}.",
                },
            )[0]
            for name, kind, slug, price, period in PRODUCTS
        ]
