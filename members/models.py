"""The member register. `Member.objects.visible_to(user)` is the single gate that
decides which members a user may see; everything else starts from it."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from stdnum import luhn

from .choices import MagazineChoice, MembershipType, MemberStatus, ResignationReason
from .crypto import EncryptedTextField, keyed_hash
from .folding import Fold, fold
from .validators import (
    birth_date_from_national_id,
    mask_bank_account,
    mask_national_id,
    normalize_bank_account,
    normalize_national_id,
    validate_any_postal_code,
    validate_bank_account,
    validate_country,
    validate_national_id,
    validate_phone,
    validate_postal_code,
)


class Union(models.Model):
    """Another trade union: for earlier memberships and transfers. Editable data."""

    name = models.CharField(_("navn"), max_length=200, unique=True)
    in_lo = models.BooleanField(_("medlem av LO"), default=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("forbund")
        verbose_name_plural = _("forbund")

    def __str__(self) -> str:
        return self.name


class MemberNumberCounter(models.Model):
    """Member-number source on SQLite; PostgreSQL uses a real sequence."""

    value = models.PositiveBigIntegerField(default=100000)


MEMBER_NUMBER_SEQUENCE = "members_member_number_seq"


def next_member_numbers(count: int = 1) -> list[int]:
    """Return `count` fresh member numbers, unique even under concurrent callers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [MEMBER_NUMBER_SEQUENCE, count]
            )
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        counter, _created = MemberNumberCounter.objects.select_for_update().get_or_create(pk=1)
        MemberNumberCounter.objects.filter(pk=1).update(value=F("value") + count)
        start = counter.value + 1
    return list(range(start, start + count))


def kid_for(member_number: int) -> str:
    """Return the KID for dues: the member number in 7 digits plus a mod-10 digit."""
    base = f"{member_number:07d}"
    return base + luhn.calc_check_digit(base)


# The columns an officer (club or branch) may see: DESIGN.md "Who sees what".
OFFICER_FIELDS = (
    "id",
    "member_number",
    "first_name",
    "last_name",
    "birth_date",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "email",
    "membership_type",
    "status",
    "joined_lo_on",
    "joined_union_on",
    "joined_branch_on",
    "branch_id",
    "club_id",
    "resigned_on",
    "resignation_reason",
)


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None):
        """Return the members `user` may see: everyone for central staff, the branch's
        or club's members for officers, nobody otherwise. Grants are the only source."""
        from clubs.permissions import scope_for

        return self.visible_in(scope_for(user))

    def visible_in(self, scope):
        """`visible_to` for a scope (clubs.permissions.Scope) already read: for the
        queries prepared once per process with the scope's ids as arguments."""
        if scope.central:
            return self.all()
        if not scope.is_officer:
            return self.none()
        return self.filter(Q(branch_id__in=scope.branch_ids) | Q(club_id__in=scope.club_ids))

    def roster(self):
        """The officer projection: only OFFICER_FIELDS, as dicts, so nothing else can
        be reached by attribute access (no lazy loading of national id or account)."""
        return self.values(*OFFICER_FIELDS)

    def active(self):
        return self.filter(status=MemberStatus.ACTIVE)

    def by_national_id(self, national_id: str):
        return self.filter(national_id_hash=keyed_hash(normalize_national_id(national_id)))

    def search(self, query: str):
        """Match name, member number, e-mail or phone. Exact national ids go through
        `by_national_id`, never through here."""
        query = (query or "").strip()
        if not query:
            return self
        digits = query.replace(" ", "")
        if digits.isdigit() and len(digits) <= 8:
            return self.filter(Q(member_number=int(digits)) | Q(phone__endswith=digits))
        if digits.lstrip("+").isdigit():
            return self.filter(phone__endswith=digits.lstrip("+")[-8:])
        if "@" in query:
            return self.filter(email__iexact=query)
        # "Hansen, Reidun" (as names are shown) finds her like "Reidun Hansen".
        words = query.replace(",", " ").split()
        filters = Q()
        if connection.vendor == "sqlite":
            # SQLite folds ASCII only; MP_FOLD folds Æ/Ø/Å too (members/folding.py).
            folded = self.alias(_first_fold=Fold("first_name"), _last_fold=Fold("last_name"))
            for word in words:
                word = fold(word)
                filters &= Q(_first_fold__startswith=word) | Q(_last_fold__startswith=word)
            return folded.filter(filters)
        for word in words:
            filters &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
        return self.filter(filters)


class Member(models.Model):
    member_number = models.PositiveBigIntegerField(_("medlemsnummer"), unique=True, editable=False)
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("etternavn"), max_length=100)
    national_id = EncryptedTextField(_("fødselsnummer"), validators=[validate_national_id])
    national_id_hash = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("fødselsdato"), editable=False)
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    # Norwegian codes (four digits) are checked in clean(): a member abroad has the
    # postal code of that country.
    postal_code = models.CharField(
        _("postnummer"), max_length=10, blank=True, validators=[validate_any_postal_code]
    )
    city = models.CharField(_("poststed"), max_length=100, blank=True)
    country = models.CharField(_("land"), max_length=2, default="NO", validators=[validate_country])
    phone = models.CharField(_("telefon"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("e-post"), blank=True)
    membership_type = models.CharField(
        _("medlemskapstype"),
        max_length=20,
        choices=MembershipType.choices,
        default=MembershipType.ORDINARY,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    joined_lo_on = models.DateField(_("innmeldt i LO"), null=True, blank=True)
    joined_union_on = models.DateField(_("innmeldt i forbundet"))
    joined_branch_on = models.DateField(_("innmeldt i avdelingen"), null=True, blank=True)
    branch = models.ForeignKey(
        "clubs.Branch",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("avdeling"),
    )
    club = models.ForeignKey(
        "clubs.Club",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("klubb"),
    )
    employer = models.ForeignKey(
        "clubs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("arbeidsgiver"),
    )
    recruited_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recruits",
        verbose_name=_("vervet av"),
    )
    bank_account = EncryptedTextField(
        _("kontonummer"), blank=True, validators=[validate_bank_account]
    )
    resigned_on = models.DateField(_("utmeldt dato"), null=True, blank=True)
    resignation_reason = models.CharField(
        _("utmeldingsårsak"), max_length=20, choices=ResignationReason.choices, blank=True
    )
    resignation_union = models.ForeignKey(
        Union,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overført til forbund"),
    )
    # Communication preferences.
    allow_email = models.BooleanField(_("e-post fra forbundet"), default=True)
    allow_sms = models.BooleanField(_("SMS fra forbundet"), default=True)
    newsletter = models.BooleanField(_("nyhetsbrev"), default=False)
    magazine = models.CharField(
        _("medlemsblad"),
        max_length=10,
        choices=MagazineChoice.choices,
        default=MagazineChoice.PAPER,
    )
    surveys = models.BooleanField(_("spørreundersøkelser"), default=False)
    benefits_marketing_reserved = models.BooleanField(
        _("reservert mot markedsføring av medlemsfordeler"), default=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("innlogging"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["national_id_hash", "updated_at"])

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "member_number"]
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmer")
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="member_name_idx"),
            models.Index(fields=["club", "status"], name="member_club_status_idx"),
            # The roster's default order within a club: page 1 without sorting the club.
            models.Index(
                fields=["club", "last_name", "first_name", "member_number"],
                name="member_club_name_idx",
            ),
            models.Index(fields=["branch", "status"], name="member_branch_status_idx"),
            models.Index(fields=["email"], name="member_email_idx"),
            models.Index(fields=["phone"], name="member_phone_idx"),
            models.Index(fields=["joined_union_on"], name="member_joined_idx"),
            models.Index(fields=["resigned_on"], name="member_resigned_idx"),
            # Covers the statistics breakdowns (status, type, branch, club, age band)
            # so they are index-only scans instead of reads of the wide member rows.
            models.Index(
                fields=["status", "membership_type", "branch", "club", "birth_date"],
                name="member_stats_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", resigned_on__isnull=True) | ~Q(status="active"),
                name="member_active_not_resigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.member_number})"

    def clean(self) -> None:
        super().clean()
        if self.postal_code and (self.country or "NO") == "NO":
            try:
                validate_postal_code(self.postal_code)
            except ValidationError as error:
                raise ValidationError({"postal_code": error}) from None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def kid(self) -> str:
        return kid_for(self.member_number)

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    def set_national_id(self, value: str) -> None:
        """Set the national id with its lookup hash and the birth date it encodes."""
        digits = normalize_national_id(value)
        validate_national_id(digits)
        self.national_id = digits
        self.national_id_hash = keyed_hash(digits)
        self.birth_date = birth_date_from_national_id(digits)

    def set_bank_account(self, value: str) -> None:
        digits = normalize_bank_account(value)
        if digits:
            validate_bank_account(digits)
        self.bank_account = digits


class PreviousMembership(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="previous_memberships"
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("forbund")
    )
    from_date = models.DateField(_("fra"))
    to_date = models.DateField(_("til"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-from_date"]
        verbose_name = _("tidligere medlemskap")
        verbose_name_plural = _("tidligere medlemskap")

    def __str__(self) -> str:
        return (
            f"{self.union} {self.from_date:%Y}–{self.to_date:%Y}"
            if self.to_date
            else str(self.union)
        )


class Benefit(models.Model):
    """A member benefit taken through the union (insurance in the membership, etc.)."""

    name = models.CharField(_("navn"), max_length=200)
    provider = models.CharField(_("leverandør"), max_length=200, blank=True)
    description = models.TextField(_("beskrivelse"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("medlemsfordel")
        verbose_name_plural = _("medlemsfordeler")

    def __str__(self) -> str:
        return self.name


class BenefitEnrolment(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="benefit_enrolments")
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField(_("fra"))
    ended_on = models.DateField(_("til"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-enrolled_on"]
        verbose_name = _("medlemsfordel for medlem")
        verbose_name_plural = _("medlemsfordeler for medlem")


class BenefitReservation(models.Model):
    """The member has declined a benefit (e.g. the collective insurance)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="benefit_reservations"
    )
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="reservations")
    reserved_on = models.DateField(_("reservert fra"))
    note = models.CharField(_("merknad"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reserved_on"]
        verbose_name = _("reservasjon mot medlemsfordel")
        verbose_name_plural = _("reservasjoner mot medlemsfordeler")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "benefit"], name="one_reservation_per_benefit"
            )
        ]


class PaymentKind(models.TextChoices):
    DUES = "dues", _("Kontingent")
    OTHER = "other", _("Annen innbetaling")


class PaymentSource(models.TextChoices):
    OCR = "ocr", _("OCR-giro")
    PAYROLL = "payroll", _("Trekk i lønn")
    MANUAL = "manual", _("Manuell registrering")
    CARD = "card", _("Kort")
    AVTALEGIRO = "avtalegiro", _("AvtaleGiro")
    INVOICE = "invoice", _("Faktura med KID")
    EMPLOYER = "employer", _("Betalt av arbeidsgiver uten trekk")


# Dues paid directly to the union: what the tax report to Skatteetaten covers. Payroll
# deductions are reported by the employer in the a-melding and are never counted here.
DIRECT_SOURCES = (
    PaymentSource.OCR,
    PaymentSource.MANUAL,
    PaymentSource.CARD,
    PaymentSource.AVTALEGIRO,
    PaymentSource.INVOICE,
    PaymentSource.EMPLOYER,
)


class Payment(models.Model):
    """A payment. After erasure `member` is empty: the amount stays for the books."""

    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    kind = models.CharField(
        _("type"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.DUES
    )
    amount_ore = models.BigIntegerField(_("beløp (øre)"))
    period = models.DateField(_("periode"), help_text=_("Første dag i måneden betalingen gjelder."))
    paid_on = models.DateField(_("betalt"))
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    source = models.CharField(_("kilde"), max_length=10, choices=PaymentSource.choices)
    reference = models.CharField(_("referanse"), max_length=64, blank=True)
    # The OCR file or deduction list the payment came from (dues area); a corrected
    # deduction list replaces the payments of the one before it.
    batch = models.ForeignKey(
        "members.DuesImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("innlesing"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-paid_on"]
        verbose_name = _("innbetaling")
        verbose_name_plural = _("innbetalinger")
        indexes = [
            models.Index(fields=["member", "paid_on"], name="payment_member_paid_idx"),
            models.Index(fields=["period", "kind"], name="payment_period_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"],
                condition=~Q(reference=""),
                name="payment_unique_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.paid_on:%d.%m.%Y} · {self.amount_ore / 100:.2f} kr"

    @property
    def amount_kr(self):
        return self.amount_ore / 100


class ProductKind(models.TextChoices):
    INSURANCE = "insurance", _("Forsikring")
    SERVICE = "service", _("Tjeneste")


class Product(models.Model):
    """An additional insurance or service a member can order on Min side."""

    name = models.CharField(_("produkt"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=ProductKind.choices)
    partner = models.ForeignKey(
        "privacy.Recipient",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("partner"),
    )
    description = models.TextField(_("beskrivelse"), blank=True)
    price_ore = models.PositiveIntegerField(_("pris (øre)"), default=0)
    price_period = models.CharField(_("prisperiode"), max_length=40, blank=True)
    active = models.BooleanField(_("tilgjengelig"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("produkt")
        verbose_name_plural = _("produkter")

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Mottatt")
    CONFIRMED = "confirmed", _("Bekreftet")
    CANCELLED = "cancelled", _("Kansellert")
    REJECTED = "rejected", _("Avslått")


class Order(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="orders")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    ordered_at = models.DateTimeField(_("bestilt"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-ordered_at"]
        verbose_name = _("bestilling")
        verbose_name_plural = _("bestillinger")
        constraints = [
            # One open order per product and member: a double click orders once.
            models.UniqueConstraint(
                fields=["member", "product"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="one_open_order_per_product",
            )
        ]


# Areas keep their tables beside their code; imported here so Django registers them
# with this app. The dues area holds the rates and tax-deduction caps (imported by name
# from here too), the payment accounts, imports and worklists.
from .dues.models import DuesRate, TaxDeductionCap  # noqa: E402, I001

# The membership lifecycle (joining, resignations, changes, recruitment, access from
# positions).
from .joining.models import (  # noqa: E402, F401, I001
    JoinApplication,
    MembershipChange,
    PositionAccessRule,
    PositionGrant,
    Recruitment,
    Resignation,
)
from .messaging.models import Message, MessageRecipient  # noqa: E402
from .stats.models import DuesSnapshot, MembershipSnapshot  # noqa: E402

__all__ = [
    "DuesRate",
    "DuesSnapshot",
    "TaxDeductionCap",
    "MagazineChoice",
    "Message",
    "MessageRecipient",
    "MembershipSnapshot",
    "MembershipType",
    "MemberStatus",
    "ResignationReason",
]
from .minside.models import (  # noqa: E402, F401, I001
    ActivationClaim,
    MemberInvitation,
    PendingEmailChange,
)
