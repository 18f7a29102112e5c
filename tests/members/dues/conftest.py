import datetime as dt

import pytest

from members.choices import MembershipType
from members.models import DuesRate, TaxDeductionCap


@pytest.fixture
def rates(db):
    """Rates like the union's: 1.3 % capped at 575 kr plus 59 kr legal aid; pensioners
    flat; students free."""
    for year in (2024, 2025, 2026):
        DuesRate.objects.create(
            year=year,
            membership_type=MembershipType.ORDINARY,
            percent="1.30",
            monthly_cap_ore=57500,
            minimum_monthly_ore=10000,
            legal_aid_ore=5900,
        )
        DuesRate.objects.create(
            year=year, membership_type=MembershipType.PENSIONER, flat_monthly_ore=15000
        )
        DuesRate.objects.create(
            year=year, membership_type=MembershipType.STUDENT, flat_monthly_ore=0
        )
    TaxDeductionCap.objects.create(year=2024, amount_ore=800000)
    TaxDeductionCap.objects.create(year=2025, amount_ore=825000)


TODAY = dt.date(2025, 3, 15)
