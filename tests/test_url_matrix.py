"""Every URL of the site, visited as every kind of user, with the exact answer expected.

One parametrized test: one run per kind of user (anonymous, member, club officer,
other club's officer, branch officer, central staff, admin), each visiting every URL.
A failure lists every URL that answered differently from its expectation.

Adding a page? Add a `Case` to CASES (or to the section list of your area). URLs that
take no arguments and are not listed are still visited, with the default of their
section (SECTION_DEFAULTS); URLs with arguments must be listed or named in
NOT_VISITED with a reason, which `test_every_url_with_arguments_is_covered` checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clubs.models import AccessGrant
from privacy.models import DataSubjectRequest
from tests.conftest import mark_mfa_authenticated
from tests.factories import MemberFactory

ROLES = (
    "anonymous",
    "member",
    "club_officer",
    "other_club_officer",
    "branch_officer",
    "central_staff",
    "admin_user",
)


def expect(anonymous, member, club_officer, other_club_officer, branch_officer, central, admin):
    return dict(
        zip(
            ROLES,
            (anonymous, member, club_officer, other_club_officer, branch_officer, central, admin),
            strict=True,
        )
    )


# Recurring patterns. Login is required everywhere unless a page opts out (302 to login).
PUBLIC = expect(200, 200, 200, 200, 200, 200, 200)
OFFICER = expect(302, 403, 200, 200, 200, 403, 403)  # Klubbkontoret: officers only
STAFF = expect(302, 404, 404, 404, 404, 200, 200)  # the register: central staff only
OWN_MEMBER_ONLY = expect(302, 200, 404, 404, 404, 404, 404)  # Min side: needs a Member
LOGGED_IN = expect(302, 200, 200, 200, 200, 200, 200)
STATS = expect(302, 404, 404, 404, 200, 200, 200)  # central staff and branch officers

# Defaults for argument-less URLs nobody has listed yet, by path prefix (longest first).
SECTION_DEFAULTS = {
    "/klubbkontoret/": OFFICER,
    "/medlemsregister/": STAFF,
    "/min-side/": OWN_MEMBER_ONLY,
    "/statistikk/": STATS,
    "/": PUBLIC,  # privacy pages, search: public
}

# URL names (with arguments) that this test does not visit, and why.
NOT_VISITED = {
    "set_language": "POST-only language switch, not a page",
    "minside:order_create": "POST action on a product; covered in tests/members",
    "minside:order_cancel": "POST action on an order; covered in tests/members",
}


@dataclass
class World:
    own_member: object  # a member of `club` (the `member` user's own record)
    other_member: object  # a member of `other_club`, another branch
    officer_grant: AccessGrant
    club_officer: object
    request: DataSubjectRequest  # an access request from `own_member`


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[World], str]
    expected: dict
    method: str = "get"

    def __str__(self) -> str:
        return self.name


def url(name, *args) -> Callable[[World], str]:
    """A URL builder; arguments may be callables of the World."""

    def build(world: World) -> str:
        return reverse(name, args=[a(world) if callable(a) else a for a in args])

    return build


def own(world):
    return world.own_member.pk


def other(world):
    return world.other_member.pk


KLUBBKONTORET = [
    Case("klubb:roster", url("klubb:roster"), OFFICER),
    Case("klubb:new_members", url("klubb:new_members"), OFFICER),
    Case("klubb:resigned_members", url("klubb:resigned_members"), OFFICER),
    Case("klubb:positions", url("klubb:positions"), OFFICER),
    Case("klubb:export_csv", url("klubb:export_csv"), OFFICER),
    Case("klubb:export_pdf", url("klubb:export_pdf"), OFFICER),
    # The card of a member of `club`: its officers and the branch's see it.
    Case("klubb:card own club", url("klubb:card", own), expect(302, 403, 200, 404, 200, 403, 403)),
    # A member of `other_club` (another branch): only that club's officer.
    Case(
        "klubb:card other club", url("klubb:card", other), expect(302, 403, 404, 200, 404, 403, 403)
    ),
    Case(
        "klubb:card missing", url("klubb:card", 999999), expect(302, 403, 404, 404, 404, 403, 403)
    ),
]

REGISTER = [
    Case("register:search", url("register:search"), STAFF),
    Case("register:member", url("register:member", own), STAFF),
    Case("register:member other", url("register:member", other), STAFF),
    Case("register:member missing", url("register:member", 999999), expect(*[302] + [404] * 6)),
    Case("register:edit", url("register:edit", own), STAFF),
    Case("register:action resign", url("register:action", own, "meld-ut"), STAFF),
    Case("register:action transfer", url("register:action", own, "flytt"), STAFF),
    Case("register:action strike off", url("register:action", own, "stryk"), STAFF),
    Case("register:action death", url("register:action", own, "dodsfall"), STAFF),
    # Rejoin does not apply to an active member: staff are sent back to the member page.
    Case(
        "register:action rejoin",
        url("register:action", own, "gjeninnmeld"),
        expect(302, 404, 404, 404, 404, 302, 302),
    ),
    Case(
        "register:action unknown",
        url("register:action", own, "slett"),
        expect(*[302] + [404] * 6),
    ),
    # Revealing is POST only and needs a fresh login: staff are sent to re-authenticate.
    Case(
        "register:reveal",
        url("register:reveal", own),
        expect(302, 404, 404, 404, 404, 302, 302),
        method="post",
    ),
    Case(
        "register:reveal by GET",
        url("register:reveal", own),
        expect(302, 404, 404, 404, 404, 405, 405),
    ),
    Case(
        "register:invite",
        url("register:invite", own),
        expect(302, 404, 404, 404, 404, 302, 302),
        method="post",
    ),
    Case(
        "register:invite by GET",
        url("register:invite", own),
        expect(302, 404, 404, 404, 404, 405, 405),
    ),
    Case("register:access_log", url("register:access_log"), STAFF),
    Case("register:access_log_member", url("register:access_log_member", own), STAFF),
    Case(
        "register:access_log_user",
        url("register:access_log_user", lambda w: w.club_officer.pk),
        STAFF,
    ),
    Case("register:grants", url("register:grants"), STAFF),
    Case("register:grant_end", url("register:grant_end", lambda w: w.officer_grant.pk), STAFF),
]

MIN_SIDE = [
    Case("minside:index", url("minside:index"), LOGGED_IN),
    # The account page is every login's own (password, MFA, sessions), member or not.
    Case("minside:account", url("minside:account"), LOGGED_IN),
    Case("minside:profile", url("minside:profile"), OWN_MEMBER_ONLY),
    Case("minside:rectification", url("minside:rectification"), OWN_MEMBER_ONLY),
    Case("minside:preferences", url("minside:preferences"), OWN_MEMBER_ONLY),
    Case("minside:products", url("minside:products"), OWN_MEMBER_ONLY),
    Case("minside:payments", url("minside:payments"), OWN_MEMBER_ONLY),
    # No payments that year, so no statement to give.
    Case(
        "minside:annual_statement",
        url("minside:annual_statement", 2025),
        expect(302, 404, 404, 404, 404, 404, 404),
    ),
    Case("minside:my_data", url("minside:my_data"), OWN_MEMBER_ONLY),
    Case("minside:my_data_json", url("minside:my_data_json"), OWN_MEMBER_ONLY),
    Case("minside:access_report", url("minside:access_report"), OWN_MEMBER_ONLY),
    Case("minside:resign", url("minside:resign"), OWN_MEMBER_ONLY),
    # Erasure needs a resigned membership first: the active member is sent on.
    Case("minside:erasure", url("minside:erasure"), expect(302, 302, 404, 404, 404, 404, 404)),
    # Tokens that do not exist.
    Case(
        "minside:invitation",
        url("minside:invitation", "ukjent"),
        expect(410, 302, 302, 302, 302, 302, 302),
    ),
    Case(
        "minside:email_confirm",
        url("minside:email_confirm", "ukjent"),
        expect(302, 410, 404, 404, 404, 404, 404),
    ),
]

STATISTICS = [
    Case("stats:dashboard", url("stats:dashboard"), STATS),
    Case("stats:csv", url("stats:csv", "members"), STATS),
    Case("stats:csv unknown", url("stats:csv", "finnes-ikke"), expect(*[302] + [404] * 6)),
]

CORE = [
    Case("home", url("home"), PUBLIC),
    Case("healthz", url("healthz"), PUBLIC),
    Case("admin:index", url("admin:index"), expect(302, 302, 302, 302, 302, 302, 200)),
    Case("account_login", url("account_login"), expect(200, 302, 302, 302, 302, 302, 302)),
    Case("account_email", url("account_email"), LOGGED_IN),
    Case("mfa_index", url("mfa_index"), LOGGED_IN),
    # Everybody here has a second factor already (or needs none): on to the MFA page.
    Case("mfa_enrolment", url("mfa_enrolment"), expect(302, 302, 302, 302, 302, 302, 302)),
    Case(
        "mfa_enrolment_confirm",
        url("mfa_enrolment_confirm", "not-a-link"),
        expect(302, 410, 410, 410, 410, 410, 410),
    ),
    # With a second factor, re-authentication by password alone is not offered: the page
    # sends officers, staff and admins on to confirm with TOTP or a passkey.
    Case(
        "account_reauthenticate",
        url("account_reauthenticate"),
        expect(302, 200, 302, 302, 302, 302, 302),
    ),
    Case(
        "mfa_reauthenticate", url("mfa_reauthenticate"), expect(302, 302, 200, 200, 200, 200, 200)
    ),
    # A grant's activation link that does not exist (or is not the user's).
    Case(
        "klubb:grant_activate",
        url("klubb:grant_activate", "ukjent"),
        expect(302, 410, 410, 410, 410, 410, 410),
    ),
    Case(
        "register:grant_resend",
        url("register:grant_resend", lambda w: w.officer_grant.pk),
        expect(302, 404, 404, 404, 404, 302, 302),
        method="post",
    ),
]


def dsr(world):
    return world.request.pk


PRIVACY = [
    Case("privacy:notice", url("privacy:notice"), PUBLIC),
    Case("privacy:access_request", url("privacy:access_request"), PUBLIC),
    # Starts a BankID login: there is none without a broker configured (as here).
    Case(
        "privacy:access_request_bankid",
        url("privacy:access_request_bankid"),
        expect(*[404] * 7),
        method="post",
    ),
    Case("privacy:notice_archive", url("privacy:notice_archive"), PUBLIC),
    Case("privacy:notice_version", url("privacy:notice_version", 1), PUBLIC),
    Case(
        "privacy:notice_version missing",
        url("privacy:notice_version", 999),
        expect(*[404] * 7),
    ),
    Case("privacy:cookies", url("privacy:cookies"), PUBLIC),
    Case("privacy:consent", url("privacy:consent"), expect(*[405] * 7)),  # POST only
    Case("privacy:search", url("privacy:search"), PUBLIC),
    Case("privacy:info_index", url("privacy:info_index"), PUBLIC),
    Case("privacy:info", url("privacy:info", "finnes-ikke"), expect(*[404] * 7)),
    Case("privacy:processing_record", url("privacy:processing_record"), STAFF),
    Case("privacy:search_terms", url("privacy:search_terms"), STAFF),
    Case("privacy:outbox", url("privacy:outbox"), STAFF),
    # Nothing dead to retry: staff are sent back to the outbox page.
    Case(
        "privacy:outbox_retry",
        url("privacy:outbox_retry", "lo"),
        expect(302, 404, 404, 404, 404, 302, 302),
    ),
    Case("privacy:requests", url("privacy:requests"), STAFF),
    Case("privacy:request_new", url("privacy:request_new"), STAFF),
    Case("privacy:request_detail", url("privacy:request_detail", dsr), STAFF),
    Case("privacy:request_access_report", url("privacy:request_access_report", dsr), STAFF),
]
# POST-only request actions, visited by GET: 405 for every logged-in user (the method
# is checked before the staff check; a POST by non-staff is refused, see tests/privacy).
PRIVACY += [
    Case(name, url(name, dsr), expect(302, 405, 405, 405, 405, 405, 405))
    for name in (
        "privacy:request_assign",
        "privacy:request_note",
        "privacy:request_approve_erasure",
        "privacy:request_apply_correction",
        "privacy:request_complete",
    )
]


def _message(section: str):
    """A draft message of `section`: Klubbkontoret's written by `club_officer`."""

    def build(world):
        from members.messaging.models import Message

        author = world.club_officer if section == "klubb" else None
        message, _created = Message.objects.get_or_create(
            subject=f"Matrise {section}", section=section, defaults={"created_by": author}
        )
        return message.pk

    return build


POST_ONLY = expect(302, 405, 405, 405, 405, 405, 405)
OWN_MESSAGE = expect(302, 403, 200, 404, 404, 403, 403)  # the club officer who wrote it
MESSAGING = [
    Case("register_messaging:count", url("register_messaging:count"), POST_ONLY),
    Case("klubb_messaging:count", url("klubb_messaging:count"), POST_ONLY),
    # Bad unsubscribe tokens: refused for everyone, no login needed.
    Case("unsubscribe:confirm", url("unsubscribe:confirm", "ukjent"), expect(*[400] * 7)),
    Case("unsubscribe:one_click", url("unsubscribe:one_click", "ukjent"), expect(*[405] * 7)),
]
for _ns, _section, _seen in (
    ("register_messaging", "register", STAFF),
    ("klubb_messaging", "klubb", OWN_MESSAGE),
):
    MESSAGING += [
        Case(f"{_ns}:{name}", url(f"{_ns}:{name}", _message(_section)), _seen)
        for name in ("detail", "edit", "preview", "progress")
    ]
    MESSAGING += [
        Case(f"{_ns}:{name}", url(f"{_ns}:{name}", _message(_section)), POST_ONLY)
        for name in ("test_send", "send", "cancel")
    ]
    # No letters in a draft: the print file does not exist.
    MESSAGING.append(
        Case(
            f"{_ns}:letters",
            url(f"{_ns}:letters", _message(_section)),
            {**_seen, **{role: 404 for role, code in _seen.items() if code == 200}},
        )
    )


# Dues (members/dues/): central staff only; objects that do not exist are 404.
MISSING = expect(*[302] + [404] * 6)
DUES = [
    Case("dues:member", url("dues:member", own), STAFF),
    Case("dues:member other", url("dues:member", other), STAFF),
    Case("dues:member missing", url("dues:member", 999999), MISSING),
    Case("dues:import missing", url("dues:import", 999999), MISSING),
    Case("dues:deviation missing", url("dues:deviation", 999999), MISSING),
    Case("dues:unmatched_detail missing", url("dues:unmatched_detail", 999999), MISSING),
    Case("dues:tax_file missing", url("dues:tax_file", 999999), MISSING),
    Case("dues:invoice_run missing", url("dues:invoice_run", 999999), MISSING),
    Case("dues:invoice_print missing", url("dues:invoice_print", 999999), MISSING),
    # Nobody has invoices here: a member's own would open, anyone else's is 404.
    Case("minside:invoice_pdf missing", url("minside:invoice_pdf", 999999), MISSING),
]

# Joining and the lifecycle (members/joining/): the join pages are public; the
# application queue is for central staff and branch officers (their branch's).
JOINING = [
    Case("joining:verify", url("joining:verify", "ukjent"), expect(*[410] * 7)),
    Case(
        "joining_staff:applications",
        url("joining_staff:applications"),
        expect(302, 404, 404, 404, 200, 200, 200),
    ),
    Case("joining_staff:application missing", url("joining_staff:application", 999999), MISSING),
    Case(
        "joining_staff:accept",
        url("joining_staff:accept", 999999),
        expect(302, 404, 404, 404, 404, 405, 405),
    ),
    Case(
        "joining_staff:reject",
        url("joining_staff:reject", 999999),
        expect(302, 404, 404, 404, 404, 405, 405),
    ),
    Case("minside:resign_withdraw", url("minside:resign_withdraw"), POST_ONLY),
]

CASES = (
    KLUBBKONTORET + REGISTER + MIN_SIDE + STATISTICS + PRIVACY + CORE + MESSAGING + DUES + JOINING
)


def _walk(patterns, prefix="", namespace=None):
    """Yield (name, route, takes_arguments) for every named URL pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns == "admin":
                continue  # Django's own admin; its index is listed above
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            takes_arguments = bool(pattern.pattern.regex.groups)
            yield name, "/" + prefix + str(pattern.pattern), takes_arguments


def _listed_names() -> set[str]:
    return {case.name.split(" ")[0] for case in CASES}


def _section_default(path: str) -> dict:
    for prefix in sorted(SECTION_DEFAULTS, key=len, reverse=True):
        if path.startswith(prefix):
            return SECTION_DEFAULTS[prefix]
    return PUBLIC


def _ours(name: str, route: str) -> bool:
    """allauth's own pages (/accounts/) are its business; the few we rely on are listed
    in CORE. Static files are not pages."""
    return not route.startswith("/accounts/") and "static" not in name


def _unlisted_cases() -> list[Case]:
    """Argument-less URLs no one has listed yet, visited with their section default."""
    listed = _listed_names() | set(NOT_VISITED)
    cases = []
    for name, route, takes_arguments in _walk(get_resolver().url_patterns):
        if name in listed or takes_arguments or not _ours(name, route):
            continue
        path = reverse(name)
        cases.append(Case(f"{name} (section default)", url(name), _section_default(path)))
    return cases


ALL_CASES = CASES + _unlisted_cases()


@pytest.fixture
def world(member, club_officer, other_club_officer, other_club, branch_officer):
    return World(
        own_member=member.member,
        other_member=MemberFactory(
            club=other_club, joined_union_on=dt.date(2016, 1, 1), last_name="Annenklubb"
        ),
        officer_grant=AccessGrant.objects.get(user=club_officer),
        club_officer=club_officer,
        request=DataSubjectRequest.objects.create(
            member=member.member,
            member_number=member.member.member_number,
            kind="access",
            channel="email",
            due_on=dt.date.today() + dt.timedelta(days=30),
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_kind_of_user_as_expected(role, world, request):
    """Parametrized by user rather than by URL so the named users are created once per
    kind of user, not once per URL; the failure lists every URL that answered wrong."""
    client = Client()
    if role != "anonymous":
        user = request.getfixturevalue(role)
        client.force_login(user, backend="config.auth_backends.ModelBackend")
        mark_mfa_authenticated(client, user)
    wrong = []
    for case in ALL_CASES:
        target = case.url(world)
        status = getattr(client, case.method)(target).status_code
        if status != case.expected[role]:
            wrong.append(
                f"{case.name}: {case.method.upper()} {target} answered {status}, "
                f"expected {case.expected[role]}"
            )
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["club_officer", "branch_officer", "central_staff", "admin_user"])
def test_a_session_without_the_second_factor_reaches_no_page_but_the_account_pages(
    role, world, request
):
    """An officer, staff member or admin who got in with the password alone (say, through
    a login form that skipped MFA) is sent to confirm with the second factor from every
    page: having an authenticator is not enough, this session must have used it."""
    client = Client()
    user = request.getfixturevalue(role)
    client.force_login(user, backend="config.auth_backends.ModelBackend")
    mark_mfa_authenticated(client, user, second_factor=False)
    confirm = reverse("mfa_reauthenticate")
    wrong = []
    for case in ALL_CASES:
        target = case.url(world)
        if target.startswith(("/accounts/", "/i18n/", "/healthz")):
            continue
        response = getattr(client, case.method)(target)
        if response.status_code != 302 or not response["Location"].startswith(confirm):
            wrong.append(f"{case.method.upper()} {target} answered {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_every_url_with_arguments_is_covered():
    """A URL that needs arguments cannot be found and visited automatically: it must be
    listed in CASES (or in NOT_VISITED with a reason)."""
    listed = _listed_names() | set(NOT_VISITED)
    missing = [
        f"{name} ({route})"
        for name, route, takes_arguments in _walk(get_resolver().url_patterns)
        if takes_arguments and name not in listed and _ours(name, route)
    ]
    assert not missing, "Add these to tests/test_url_matrix.py: " + ", ".join(missing)
