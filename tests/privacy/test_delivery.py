"""Delivery that a slow partner cannot stall: a total deadline per call, the attempt
counted in a committed lease before the call, no lock held across the network, a
circuit breaker per partner, and true attempt counts after a worker dies."""

import datetime as dt
import re
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections, transaction
from django.utils import timezone
from werkzeug import Response

from privacy import delivery, outbox
from privacy.models import Disclosure, DisclosureStatus
from privacy.partners import ADAPTERS, http
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


class Trickler:
    """A partner that answers one byte every `interval` seconds, forever (until closed)."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.calls = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.calls += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn):
        with conn:
            conn.recv(65536)
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000:
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(self.interval)
            except OSError:
                return

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def trickler():
    server = Trickler()
    yield server
    server.close()


@pytest.fixture
def partners(settings, httpserver):
    settings.PARTNERS = {
        slug: {"url": httpserver.url_for(f"/{slug}"), "token": "t"} for slug in ADAPTERS
    }
    settings.DISCLOSURE_BACKOFF_SECONDS = 0
    httpserver.expect_request(re.compile(".*")).respond_with_data("{}")
    return httpserver


def new_member(**kwargs):
    with transaction.atomic():
        member = MemberFactory(allow_email=True, surveys=False, **kwargs)
        rows = outbox.queue_member_event(member=member, event="created")
    return member, {row.recipient.slug: row for row in rows}


def test_a_partner_that_trickles_its_answer_is_cut_off_at_the_deadline(settings, trickler):
    settings.PARTNER_HTTP_DEADLINE = 1.0
    started = time.monotonic()

    with pytest.raises(http.PartnerError) as error:
        http.request("GET", f"http://127.0.0.1:{trickler.port}/x", timeout=10.0, deadline=1.0)

    assert time.monotonic() - started < 2.5
    assert "no answer within" in error.value.message
    assert not error.value.permanent


def test_a_trickled_delivery_counts_its_attempt_and_backs_off(settings, partners, trickler):
    settings.PARTNER_HTTP_DEADLINE = 1.0
    settings.DISCLOSURE_BACKOFF_SECONDS = 60
    settings.PARTNERS = {
        **settings.PARTNERS,
        "lo": {"url": f"http://127.0.0.1:{trickler.port}/lo", "token": "t"},
    }
    member, rows = new_member()
    started = time.monotonic()

    result = delivery.deliver_due(ids=[rows["lo"].pk])

    assert time.monotonic() - started < 5
    assert result.failed == [rows["lo"].pk]
    row = Disclosure.objects.get(pk=rows["lo"].pk)
    assert (row.status, row.attempts) == (DisclosureStatus.FAILED, 1)
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=25)
    assert "no answer" in row.last_error


class KeepAlivePartner(BaseHTTPRequestHandler):
    """An HTTP/1.1 partner that keeps connections open; counts requests per connection."""

    protocol_version = "HTTP/1.1"
    connections: Counter = Counter()

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        KeepAlivePartner.connections[self.client_address] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


def test_the_pooled_client_reuses_one_connection_for_many_calls(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlivePartner)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    KeepAlivePartner.connections.clear()
    http.close_client()
    url = f"http://127.0.0.1:{server.server_address[1]}/lo"
    try:
        for i in range(20):
            assert http.request("PUT", f"{url}/{i}", json_body={"i": i}).ok
    finally:
        server.shutdown()
        http.close_client()

    assert list(KeepAlivePartner.connections.values()) == [20]


def test_a_hanging_partner_opens_its_circuit_and_the_others_flow_on(settings, partners, trickler):
    settings.PARTNER_HTTP_DEADLINE = 0.5
    settings.PARTNER_BREAKER_FAILURES = 2
    settings.PARTNERS = {
        **settings.PARTNERS,
        "sparebank1": {"url": f"http://127.0.0.1:{trickler.port}/sb1", "token": "t"},
    }
    members = [new_member()[0] for _ in range(8)]
    started = time.monotonic()

    result = delivery.deliver_due(batch_size=3)

    elapsed = time.monotonic() - started
    assert trickler.calls == 2  # then the circuit opened
    assert elapsed < 5
    hanging = Disclosure.objects.filter(recipient__slug="sparebank1")
    others = Disclosure.objects.exclude(recipient__slug="sparebank1")
    assert set(others.values_list("status", flat=True)) == {DisclosureStatus.SENT}
    assert len(result.sent) == others.count() == 3 * len(members)
    assert hanging.filter(status=DisclosureStatus.FAILED).count() == 2
    assert hanging.filter(status=DisclosureStatus.PENDING, attempts=0).count() == 6
    assert delivery.breaker.is_open(hanging.first().recipient_id)


def test_a_row_claimed_by_a_worker_that_died_is_sent_again_with_a_true_count(partners):
    member, rows = new_member()
    lo = rows["lo"]
    Disclosure.objects.filter(pk=lo.pk).update(
        status=DisclosureStatus.SENDING, attempts=1, next_attempt_at=timezone.now()
    )

    result = delivery.deliver_due(ids=[lo.pk])

    lo.refresh_from_db()
    assert result.sent == [lo.pk]
    assert (lo.status, lo.attempts) == (DisclosureStatus.SENT, 2)


def test_a_row_under_a_live_lease_is_left_alone_and_holds_back_the_next(partners):
    member, rows = new_member()
    lo = rows["lo"]
    Disclosure.objects.filter(pk=lo.pk).update(
        status=DisclosureStatus.SENDING,
        attempts=1,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=2),
    )
    member.city = "Bergen"
    with transaction.atomic():
        later = [
            r
            for r in outbox.queue_member_event(member=member, event="updated")
            if r.recipient.slug == "lo"
        ]

    delivery.deliver_due()

    lo.refresh_from_db()
    assert (lo.status, lo.attempts) == (DisclosureStatus.SENDING, 1)
    if later:
        later[0].refresh_from_db()
        assert later[0].status == DisclosureStatus.PENDING


def test_a_row_whose_last_attempt_never_reported_back_is_dead(partners, settings):
    settings.DISCLOSURE_MAX_ATTEMPTS = 3
    member, rows = new_member()
    lo = rows["lo"]
    Disclosure.objects.filter(pk=lo.pk).update(
        status=DisclosureStatus.SENDING, attempts=3, next_attempt_at=timezone.now()
    )

    delivery.deliver_due()

    lo.refresh_from_db()
    assert (lo.status, lo.attempts) == (DisclosureStatus.DEAD, 3)
    assert lo.last_error


def test_a_lease_too_short_for_the_call_hands_the_row_back_uncounted(partners, settings):
    settings.DISCLOSURE_LEASE_SECONDS = 5
    settings.PARTNER_HTTP_DEADLINE = 10
    member, rows = new_member()

    result = delivery.deliver_due(ids=[rows["lo"].pk])

    row = Disclosure.objects.get(pk=rows["lo"].pk)
    assert result.released == [row.pk]
    assert (row.status, row.attempts) == (DisclosureStatus.PENDING, 0)


def test_the_backlog_and_the_oldest_pending_age(partners):
    assert delivery.oldest_pending_age() is None
    member, rows = new_member()
    Disclosure.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))

    assert delivery.delivery_backlog()["pending"] == len(rows)
    assert 290 < delivery.oldest_pending_age() < 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_and_no_lock_is_held_while_the_partner_answers(
    needs_postgres, migration_data, partners
):
    seen = []

    def partner(request):
        # A second connection, as another worker or the erasure would use.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "SELECT status, attempts FROM privacy_disclosure WHERE recipient_id ="
                    " (SELECT id FROM privacy_recipient WHERE slug = 'lo') FOR UPDATE NOWAIT"
                )
                seen.append(cursor.fetchone())
                cursor.execute("ROLLBACK")
        except Exception as error:  # A held lock raises here: the assertion shows it.
            seen.append(error.__class__.__name__)
        finally:
            other.close()
        return Response("{}", status=200)

    partners.clear_all_handlers()
    partners.expect_request(re.compile("/lo/.*")).respond_with_handler(partner)
    partners.expect_request(re.compile(".*")).respond_with_data("{}")

    member, rows = new_member()  # delivered after commit (eager task)

    assert "lo" in rows
    assert seen == [(DisclosureStatus.SENDING, 1)]
    assert Disclosure.objects.get(pk=rows["lo"].pk).status == DisclosureStatus.SENT
