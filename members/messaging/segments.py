"""Segments: which members a message goes to, by which channel, and who is left out
and why. Everything starts from `Member.objects.visible_to(user)`, so an officer's
segment never holds another club's members, whatever its filters say.

The routing is written once, as SQL conditions (`Routing`), and used both for the live
count (one aggregate query) and for building the recipient rows at send time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Position
from members.models import Member, MemberStatus

from .models import Channel, MessageCategory

# Conditions that are always true / false and stay so when negated (an empty Q()
# would turn into "no condition" under ~).
TRUE = Q(pk__isnull=False)
FALSE = Q(pk__isnull=True)


@dataclass(frozen=True)
class CategoryRule:
    """How a category treats the member's choices."""

    respects_choices: bool  # e-mail only to allow_email, SMS only to allow_sms
    opt_in_field: str = ""  # the member must have said yes to this
    reserved_field: str = ""  # the member may have said no to this
    letters: bool = True  # members without an electronic channel get a letter
    # The preference the unsubscribe link turns off, and the value that turns it off.
    unsubscribe_field: str = ""
    unsubscribe_value: bool = False


RULES = {
    MessageCategory.INFORMATION: CategoryRule(True, unsubscribe_field="allow_email"),
    MessageCategory.NEWSLETTER: CategoryRule(
        True, opt_in_field="newsletter", letters=False, unsubscribe_field="newsletter"
    ),
    MessageCategory.BENEFITS: CategoryRule(
        True,
        reserved_field="benefits_marketing_reserved",
        unsubscribe_field="benefits_marketing_reserved",
        unsubscribe_value=True,
    ),
    # A notice (e.g. of arrears) is not marketing: it may use any channel the member has.
    MessageCategory.NOTICE: CategoryRule(False),
}


def rule_for(category: str) -> CategoryRule:
    return RULES[MessageCategory(category)]


# --- Filters -------------------------------------------------------------------------


def members_in(segment: dict, user, *, today: dt.date | None = None):
    """The members of `segment` that `user` may see. The filters combine (AND); a
    filter with several values matches any of them. Deceased members never get mail."""
    today = today or timezone.localdate()
    members = Member.objects.visible_to(user).exclude(status=MemberStatus.DECEASED)
    if segment.get("statuses"):
        members = members.filter(status__in=segment["statuses"])
    if segment.get("branches"):
        members = members.filter(branch_id__in=segment["branches"])
    if segment.get("clubs"):
        members = members.filter(club_id__in=segment["clubs"])
    if segment.get("employers"):
        members = members.filter(employer_id__in=segment["employers"])
    if segment.get("types"):
        members = members.filter(membership_type__in=segment["types"])
    if segment.get("titles"):
        holders = Position.objects.current(today).filter(
            member_id=OuterRef("pk"), title__in=segment["titles"]
        )
        members = members.filter(Exists(holders))
    if segment.get("age_min") is not None:
        members = members.filter(birth_date__lte=today - relativedelta(years=segment["age_min"]))
    if segment.get("age_max") is not None:
        members = members.filter(birth_date__gt=today - relativedelta(years=segment["age_max"] + 1))
    if segment.get("joined_from"):
        members = members.filter(joined_union_on__gte=segment["joined_from"])
    if segment.get("joined_to"):
        members = members.filter(joined_union_on__lte=segment["joined_to"])
    return members


# --- Routing -------------------------------------------------------------------------


class Routing:
    """The SQL conditions of one message's routing: who gets which channel, and why
    the others are left out."""

    def __init__(self, *, category: str, email: bool, sms: bool, letter: bool) -> None:
        rule = rule_for(category)
        has_email = ~Q(email="")
        has_phone = ~Q(phone="")
        has_address = ~Q(street="") & ~Q(postal_code="") & ~Q(city="")
        email_consent = Q(allow_email=True) if rule.respects_choices else TRUE
        sms_consent = Q(allow_sms=True) if rule.respects_choices else TRUE

        self.reserved = Q(**{rule.reserved_field: True}) if rule.reserved_field else FALSE
        not_opted_in = Q(**{rule.opt_in_field: False}) if rule.opt_in_field else FALSE
        open_ = ~self.reserved & ~not_opted_in

        self.email = (has_email & email_consent & open_) if email else FALSE
        self.sms = (has_phone & sms_consent & open_) if sms else FALSE
        letter_possible = letter and rule.letters
        electronic = self.email | self.sms
        self.letter = (has_address & open_ & ~electronic) if letter_possible else FALSE
        self.reached = electronic | self.letter

        consent_any = (email_consent if email else FALSE) | (sms_consent if sms else FALSE)
        self.no_consent = (
            ~self.reached
            & ~self.reserved
            & (not_opted_in | (FALSE if letter_possible else ~consent_any))
        )
        self.no_address = ~self.reached & ~self.reserved & ~self.no_consent

    def for_channel(self, channel: str) -> Q:
        return {Channel.EMAIL: self.email, Channel.SMS: self.sms, Channel.LETTER: self.letter}[
            Channel(channel)
        ]


def routing_for(message) -> Routing:
    return Routing(
        category=message.category,
        email=message.send_email,
        sms=message.send_sms,
        letter=message.send_letter,
    )


LEFT_OUT_REASONS = {
    "no_consent": _("har ikke samtykket til kanalen"),
    "no_address": _("mangler adresse, e-post eller telefon"),
    "reserved": _("har reservert seg"),
}


@dataclass(frozen=True)
class SegmentCount:
    total: int
    reached: int
    email: int
    sms: int
    letter: int
    no_consent: int
    no_address: int
    reserved: int

    @property
    def left_out(self) -> int:
        return self.total - self.reached

    def reasons(self) -> list[tuple[str, int]]:
        """(label, count) of the reasons members are left out, those that occur."""
        return [
            (str(label), getattr(self, key))
            for key, label in LEFT_OUT_REASONS.items()
            if getattr(self, key)
        ]


def count(members, routing: Routing) -> SegmentCount:
    """Count the segment by channel and reason, in one query."""
    # Aliases must not be field names: `email=` would shadow the column in the filters.
    row = members.order_by().aggregate(
        n_total=Count("pk"),
        n_reached=Count("pk", filter=routing.reached),
        n_email=Count("pk", filter=routing.email),
        n_sms=Count("pk", filter=routing.sms),
        n_letter=Count("pk", filter=routing.letter),
        n_no_consent=Count("pk", filter=routing.no_consent),
        n_no_address=Count("pk", filter=routing.no_address),
        n_reserved=Count("pk", filter=routing.reserved),
    )
    return SegmentCount(**{key[2:]: value for key, value in row.items()})
