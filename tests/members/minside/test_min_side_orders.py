"""Min side: the insurance and services catalogue, orders and cancellations."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from members.minside import services as selfservice
from members.models import Order, OrderStatus, Product, ProductKind
from privacy.models import Disclosure, Recipient
from privacy.processing import field_label

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("minside:products")


@pytest.fixture
def product(db):
    return Product.objects.create(
        name="Reiseforsikring",
        kind=ProductKind.INSURANCE,
        partner=Recipient.objects.get(slug="sparebank1"),
        description="Dekker hele familien på reise.",
        price_ore=19900,
        price_period="per måned",
    )


def test_the_catalogue_lists_active_products_with_price(client_for, member, product):
    Product.objects.create(
        name="Utgått", kind=ProductKind.SERVICE, partner=product.partner, active=False
    )
    html = client_for(member).get(PRODUCTS).content.decode()
    assert "Reiseforsikring" in html
    assert "199 kr per måned" in html
    assert "Utgått" not in html


def test_ordering_creates_a_pending_order_and_an_outbox_event_for_the_partner(
    client_for, member, product
):
    response = client_for(member).post(
        reverse("minside:order_create", args=[product.pk]), {"confirm": "1"}
    )
    assert response.status_code == 302
    order = Order.objects.get(member=member.member)
    assert order.status == OrderStatus.PENDING
    event = Disclosure.objects.filter(member=member.member, recipient=product.partner).latest("id")
    assert event.payload["order"]["id"] == order.pk
    assert event.payload["order"]["status"] == "pending"


def test_a_double_submit_orders_once_and_shows_a_message(client_for, member, product):
    client = client_for(member)
    client.post(reverse("minside:order_create", args=[product.pk]), {"confirm": "1"})
    response = client.post(
        reverse("minside:order_create", args=[product.pk]), {"confirm": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "allerede en åpen bestilling" in response.content.decode()
    assert Order.objects.filter(member=member.member).count() == 1


def test_a_racing_double_order_is_stopped_by_the_database(member, product, monkeypatch):
    selfservice.order_create(member=member.member, product=product, by=member)
    # Pretend the pre-check did not see the first order (two requests at once).
    real_filter = Order.objects.filter

    class Blind:
        def exists(self):
            return False

    def blind_filter(*args, **kwargs):
        if "status__in" in kwargs:
            return Blind()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Order.objects, "filter", blind_filter)
    with pytest.raises(ValidationError) as error:
        selfservice.order_create(member=member.member, product=product, by=member)
    assert "allerede en åpen bestilling" in error.value.messages[0]
    monkeypatch.undo()
    assert Order.objects.filter(member=member.member).count() == 1


def test_the_database_forbids_two_open_orders_of_one_product(member, product):
    Order.objects.create(member=member.member, product=product)
    with pytest.raises(IntegrityError):
        Order.objects.create(member=member.member, product=product)


def test_a_pending_order_can_be_cancelled_and_the_partner_is_told(client_for, member, product):
    order = selfservice.order_create(member=member.member, product=product, by=member)
    response = client_for(member).post(reverse("minside:order_cancel", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    event = Disclosure.objects.filter(member=member.member, recipient=product.partner).latest("id")
    assert event.payload["order"]["status"] == "cancelled"
    assert event.payload["eligible"] is False


def test_after_cancelling_the_product_can_be_ordered_again(member, product):
    order = selfservice.order_create(member=member.member, product=product, by=member)
    selfservice.order_cancel(order=order, by=member)
    selfservice.order_create(member=member.member, product=product, by=member)
    assert Order.objects.filter(member=member.member, status="pending").count() == 1


def test_a_confirmed_order_cannot_be_cancelled_on_min_side(client_for, member, product):
    order = selfservice.order_create(member=member.member, product=product, by=member)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CONFIRMED)
    response = client_for(member).post(
        reverse("minside:order_cancel", args=[order.pk]), follow=True
    )
    assert "allerede behandlet" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_another_members_order_cannot_be_cancelled(client_for, member, product):
    from tests.factories import MemberFactory

    other = MemberFactory()
    order = selfservice.order_create(member=other, product=product, by=None)
    response = client_for(member).post(reverse("minside:order_cancel", args=[order.pk]))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_an_inactive_product_cannot_be_ordered(client_for, member, product):
    product.active = False
    product.save()
    client_for(member).post(reverse("minside:order_create", args=[product.pk]), {"confirm": "1"})
    assert not Order.objects.exists()


def test_ordering_shows_a_summary_before_anything_is_ordered(client_for, member, product):
    url = reverse("minside:order_create", args=[product.pk])
    response = client_for(member).get(url, {"confirm": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bekreft bestilling" in html and product.partner.name in html
    assert "Vilkår" in html and "Hva vi deler" in html
    shared = html.split("Hva vi deler", 1)[1].split("</section>", 1)[0]
    for name in product.partner.fields:
        label = field_label(name)
        assert label in shared
        if label != name:
            assert name not in shared.replace(product.partner.name, "")
    assert not Order.objects.exists()


def test_a_post_without_the_confirmation_orders_nothing(client_for, member, product):
    client_for(member).post(reverse("minside:order_create", args=[product.pk]))
    assert not Order.objects.exists()


def test_the_products_page_stays_within_the_query_budget(
    client_for, member, product, django_assert_max_num_queries
):
    selfservice.order_create(member=member.member, product=product, by=member)
    client = client_for(member)
    with django_assert_max_num_queries(12):
        assert client.get(PRODUCTS).status_code == 200
