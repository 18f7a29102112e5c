"""Load test: `python -m bench.load` (or `make load`) runs this headless against gunicorn.

50 users, each with its own login, signed in through the real login form (password,
then the TOTP code for officers and staff, so the session carries the second factor as
the middleware demands):

- 20 members on Min side (front page, profile, payments, communication choices),
- 15 officers in Klubbkontoret (roster of the 2,000-member club: pages, sorting, a
  search as htmx types it; the member card),
- 10 central staff searching the register (name prefix, member number) and opening
  a member,
- 5 central staff on the statistics page.

The logins and the member ids to open come from the state file written by
`bench/load/setup.py` (LOAD_STATE). Every request must answer 200: anything else is a
failure in locust's table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time

from locust import HttpUser, between, task

STATE = json.load(open(os.environ.get("LOAD_STATE", "/tmp/medlemsportal-load.json")))
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0.5,2").split(","))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PREFIXES = ["Han", "Joh", "Ols", "Lar", "Ber", "Dah", "Hag", "Nil", "Kri", "Eri"]
_counters: dict[str, itertools.count] = {}


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 6 digits, 30 s), as the authenticator app shows it."""
    key = base64.b32decode(secret)
    counter = int(at if at is not None else time.time()) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class PortalUser(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(*WAIT)

    def on_start(self):
        n = next(_counters.setdefault(self.kind, itertools.count()))
        emails = STATE["users"][self.kind]
        self.email = emails[n % len(emails)]
        self.login()

    def _csrf(self, response) -> str:
        match = CSRF.search(response.text)
        if match is None:
            raise RuntimeError(f"no CSRF token on {response.url}")
        return match.group(1)

    def login(self):
        page = self.client.get("/accounts/login/", name="login form")
        response = self.client.post(
            "/accounts/login/",
            {
                "login": self.email,
                "password": STATE["password"],
                "csrfmiddlewaretoken": self._csrf(page),
            },
            name="login POST",
        )
        if "/accounts/2fa/authenticate/" in response.url:
            response = self.client.post(
                "/accounts/2fa/authenticate/",
                {"code": totp(STATE["totp_secret"]), "csrfmiddlewaretoken": self._csrf(response)},
                name="login TOTP",
            )
        if "/accounts/" in response.url:
            raise RuntimeError(f"{self.email} not logged in: ended at {response.url}")

    def page(self, url: str, name: str, **kwargs):
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif "/accounts/" in response.url:
                response.failure("sent to the login or MFA page")


class Member(PortalUser):
    kind = "medlem"
    fixed_count = 20

    @task(4)
    def front(self):
        self.page("/min-side/", "min side: front page")

    @task(2)
    def profile(self):
        self.page("/min-side/profil/", "min side: profile")

    @task(2)
    def payments(self):
        self.page("/min-side/innbetalinger/", "min side: payments")

    @task(1)
    def preferences(self):
        self.page("/min-side/kommunikasjon/", "min side: communication")


class Officer(PortalUser):
    kind = "klubb"
    fixed_count = 15

    @task(4)
    def roster(self):
        page = random.randint(1, 40)
        sort = random.choice(["", "-joined", "name"])
        self.page(f"/klubbkontoret/?page={page}&sort={sort}", "klubb: roster page")

    @task(2)
    def search(self):
        self.page(
            f"/klubbkontoret/?q={random.choice(PREFIXES)}",
            "klubb: roster search (htmx)",
            headers={"HX-Request": "true", "HX-Target": "roster-results"},
        )

    @task(3)
    def card(self):
        member_id = random.choice(STATE["club_member_ids"])
        self.page(f"/klubbkontoret/medlem/{member_id}/", "klubb: member card")


class Staff(PortalUser):
    kind = "sentral"
    fixed_count = 10

    @task(4)
    def name_search(self):
        self.page(f"/medlemsregister/?q={random.choice(PREFIXES)}", "register: name search")

    @task(2)
    def number_search(self):
        number = random.choice(STATE["member_numbers"])
        self.page(f"/medlemsregister/?q={number}", "register: member number")

    @task(3)
    def member(self):
        member_id = random.choice(STATE["member_ids"])
        self.page(f"/medlemsregister/medlem/{member_id}/", "register: member page")


class Statistics(PortalUser):
    kind = "sentral"
    fixed_count = 5

    @task
    def dashboard(self):
        months = random.choice([12, 24, 24, 60])
        self.page(f"/statistikk/?months={months}", "statistics: dashboard")
