import datetime as dt
import random

import pytest
from django.core.cache import cache

from members.validators import make_national_id
from tests.factories import national_id_for


@pytest.fixture(autouse=True)
def _fresh_cache(settings, request):
    """A cache of this test's own: the per-IP rate limit counts from zero, and neither
    a flush of the shared Redis by a concurrent test run elsewhere nor this test can
    reset anyone else's counters (clear() on Redis is FLUSHDB)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"joining-{request.node.nodeid}",
        }
    }
    yield
    cache.clear()


def adult_id(year: int = 1990, seed: int = 1) -> str:
    return national_id_for(dt.date(year, 5, 17), random.Random(seed))


def id_2032(born: dt.date) -> str:
    for individual in range(1000):
        try:
            return make_national_id(born, individual, scheme_2032=True)
        except ValueError:
            continue
    raise AssertionError("no 2032 id")


@pytest.fixture
def form_data(club):
    """A complete, valid application for `club`'s employer."""
    return {
        "first_name": "Kari",
        "last_name": "Nordmann",
        "national_id": adult_id(),
        "street": "Bryggen 1",
        "postal_code": "5003",
        "city": "Bergen",
        "phone": "912 34 567",
        "email": "kari@example.org",
        "membership_type": "ordinary",
        "employer": str(club.employer.pk),
        "payment_method": "payroll",
        "accept_terms": "on",
    }
