"""Every page of every role at 1280 and 390 px: the page never scrolls sideways,
nothing in the content sticks out past the right edge (tables reflow to cards on a
phone), and axe finds nothing. One browser for the module (the session fixture), one
page per role, reused for every URL and width."""

import datetime as dt

import pytest
from django.urls import reverse

from members.models import Product, ProductKind
from privacy.models import Recipient
from tests.factories import MemberFactory, PaymentFactory, PositionFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const sticking = [];
  for (const el of document.querySelectorAll("main *")) {
    const style = getComputedStyle(el);
    if (style.position === "absolute" || style.position === "fixed") continue;
    if (el.closest(".visually-hidden, table.reflow thead")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      const text = (el.textContent || "").trim().slice(0, 30);
      sticking.push(`${el.tagName.toLowerCase()}.${el.className} «${text}»`);
    }
  }
  return {page: document.documentElement.scrollWidth > width + 1, sticking: sticking.slice(0, 5)};
}"""


def check_widths(page, axe_check, paths):
    problems = []
    for path in paths:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            result = page.evaluate(OVERFLOW)
            if result["page"] or result["sticking"]:
                problems.append((path, width, result))
        axe_check(page)
    assert not problems, problems


@pytest.fixture
def demo(member, club_officer, central_staff, club):
    m = member.member
    m.email = "en.ganske.lang.epostadresse.for.medlemmet@eksempel-domene.no"
    m.phone = "+4747108136"
    m.save()
    for month in (1, 2, 3):
        PaymentFactory(member=m, paid_on=dt.date(2024, month, 20), amount_ore=57500)
    Product.objects.create(
        name="Reiseforsikring",
        kind=ProductKind.INSURANCE,
        partner=Recipient.objects.get_or_create(
            slug="sparebank1",
            defaults={
                "name": "SpareBank 1 Forsikring",
                "purpose_nb": "Forsikringer for medlemmer.",
                "purpose_en": "Insurance for members.",
                "legal_basis_nb": "Art. 6 nr. 1 b.",
                "legal_basis_en": "Art. 6(1)(b).",
                "role": "controller",
                "fields": ["first_name", "last_name", "birth_date", "email", "position_started_on"],
                "rule": "all_active",
            },
        )[0],
        price_ore=42500,
        price_period="per måned",
    )
    for index in range(8):
        other = MemberFactory(
            club=club,
            branch=club.branch,
            email=f"medlem.nummer.{index}.med.lang.adresse@eksempel-domene.no",
        )
        PositionFactory(member=other, club=club)
    return m


def test_member_pages_fit_at_every_width(page, login_as, axe_check, member, demo):
    login_as(page, member)
    product = Product.objects.get()
    paths = [
        reverse("minside:index"),
        reverse("minside:profile"),
        reverse("minside:preferences"),
        reverse("minside:products"),
        reverse("minside:order_create", args=[product.pk]),
        reverse("minside:payments"),
        reverse("minside:membership"),
        reverse("minside:recruits"),
        reverse("minside:my_data"),
        reverse("minside:account"),
    ]
    check_widths(page, axe_check, paths)


def test_officer_pages_fit_at_every_width(page, login_as, axe_check, club_officer, demo):
    login_as(page, club_officer)
    paths = [
        reverse("klubb:roster"),
        reverse("klubb:card", args=[demo.pk]),
        reverse("minside:account"),
    ]
    check_widths(page, axe_check, paths)


def test_staff_pages_fit_at_every_width(page, login_as, axe_check, central_staff, demo):
    login_as(page, central_staff)
    paths = [
        reverse("register:search") + "?q=a",
        reverse("register:member", args=[demo.pk]),
        reverse("register:access_log"),
        reverse("minside:account"),
    ]
    check_widths(page, axe_check, paths)
