"""The dues area's tables (registered with the `members` app through `members.models`):
the rates and tax-deduction caps, each member's way of paying, the imported OCR files
and deduction lists, what staff must look at (unmatched payments, deviations), excused
months, the AvtaleGiro claims sent and the tax reports made.

Money is integer øre; a period is the first day of the month it covers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.choices import MembershipType
from members.crypto import EncryptedTextField


class DuesRate(models.Model):
    """Dues per year and membership type: a percentage of gross pay with a monthly cap
    (and minimum) plus a fixed legal-aid part, or a flat monthly amount (0 = free)."""

    year = models.PositiveSmallIntegerField(_("år"))
    membership_type = models.CharField(
        _("medlemskapstype"), max_length=20, choices=MembershipType.choices
    )
    percent = models.DecimalField(
        _("prosent av brutto lønn"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    monthly_cap_ore = models.PositiveIntegerField(_("månedlig tak (øre)"), null=True, blank=True)
    legal_aid_ore = models.PositiveIntegerField(_("rettshjelpsforsikring (øre/mnd)"), default=0)
    flat_monthly_ore = models.PositiveIntegerField(_("fast beløp (øre/mnd)"), null=True, blank=True)
    minimum_monthly_ore = models.PositiveIntegerField(
        _("månedlig minstebeløp (øre)"), null=True, blank=True
    )

    class Meta:
        app_label = "members"
        ordering = ["-year", "membership_type"]
        verbose_name = _("kontingentsats")
        verbose_name_plural = _("kontingentsatser")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "membership_type"], name="one_rate_per_year_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_membership_type_display()}"

    @property
    def is_free(self) -> bool:
        return self.flat_monthly_ore == 0 and self.legal_aid_ore == 0

    def expected_monthly_ore(
        self, gross_monthly_ore: int | None = None, *, insurance_reserved: bool = False
    ) -> int:
        """Return the expected monthly dues; percentage rates need the gross pay (without
        it, the cap is expected). The legal-aid part is left out for members who have
        reserved themselves against it."""
        legal_aid = 0 if insurance_reserved else self.legal_aid_ore
        if self.flat_monthly_ore is not None:
            return self.flat_monthly_ore + legal_aid
        if self.percent is None or gross_monthly_ore is None:
            return legal_aid + (self.monthly_cap_ore or 0)
        amount = int(gross_monthly_ore * self.percent / 100)
        if self.monthly_cap_ore is not None:
            amount = min(amount, self.monthly_cap_ore)
        if self.minimum_monthly_ore is not None:
            amount = max(amount, self.minimum_monthly_ore)
        return amount + legal_aid


class TaxDeductionCap(models.Model):
    """The yearly cap of the union-dues tax deduction (fagforeningsfradrag)."""

    year = models.PositiveSmallIntegerField(_("år"), unique=True)
    amount_ore = models.PositiveIntegerField(_("maksimalt fradrag (øre)"))

    class Meta:
        app_label = "members"
        ordering = ["-year"]
        verbose_name = _("tak for fagforeningsfradrag")
        verbose_name_plural = _("tak for fagforeningsfradrag")

    def __str__(self) -> str:
        return f"{self.year}: {self.amount_ore // 100} kr"


class PaymentMethod(models.TextChoices):
    PAYROLL = "payroll", _("Trekk i lønn")
    AVTALEGIRO = "avtalegiro", _("AvtaleGiro")
    INVOICE = "invoice", _("Faktura med KID")


class DuesAccount(models.Model):
    """How one member pays: the method, the gross pay the percentage is taken of (last
    reported by the employer), the legal-aid reservation, the AvtaleGiro mandate and
    the strike-off reminder. Members without a row pay by invoice."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="dues_account"
    )
    payment_method = models.CharField(
        _("betalingsmåte"),
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.INVOICE,
    )
    gross_monthly_ore = models.PositiveBigIntegerField(
        _("brutto månedslønn (øre)"), null=True, blank=True
    )
    insurance_reserved = models.BooleanField(_("reservert mot forsikringsdelen"), default=False)
    avtalegiro_active = models.BooleanField(_("AvtaleGiro aktiv"), default=False)
    avtalegiro_notify = models.BooleanField(_("varsel fra banken"), default=False)
    avtalegiro_changed_on = models.DateField(_("AvtaleGiro endret"), null=True, blank=True)
    reminded_on = models.DateField(_("purret"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "members"
        verbose_name = _("kontingentkonto")
        verbose_name_plural = _("kontingentkontoer")
        indexes = [models.Index(fields=["payment_method"], name="dues_account_method_idx")]


class ImportKind(models.TextChoices):
    OCR = "ocr", _("OCR-fil")
    PAYROLL = "payroll", _("Trekkliste")


class ImportStatus(models.TextChoices):
    ACTIVE = "active", _("Innlest")
    REPLACED = "replaced", _("Erstattet")


class DuesImport(models.Model):
    """One imported file: a Nets OCR transmission or an employer's deduction list. The
    same transmission or the same list (employer and period) is refused a second time;
    a corrected list replaces the earlier one on request."""

    kind = models.CharField(_("type"), max_length=10, choices=ImportKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.ACTIVE
    )
    filename = models.CharField(_("filnavn"), max_length=200)
    sha256 = models.CharField(max_length=64)
    transmission = models.CharField(_("forsendelse"), max_length=20, blank=True)
    employer = models.ForeignKey(
        "clubs.Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arbeidsgiver"),
    )
    period = models.DateField(_("periode"), null=True, blank=True)
    lines = models.PositiveIntegerField(_("linjer"), default=0)
    total_ore = models.BigIntegerField(_("sum (øre)"), default=0)
    matched = models.PositiveIntegerField(_("koblet"), default=0)
    unmatched = models.PositiveIntegerField(_("ikke koblet"), default=0)
    agreements = models.PositiveIntegerField(_("AvtaleGiro-avtaler"), default=0)
    deviations = models.PositiveIntegerField(_("avvik"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("lest inn"), auto_now_add=True)

    class Meta:
        app_label = "members"
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("innlesing")
        verbose_name_plural = _("innlesinger")
        constraints = [
            models.UniqueConstraint(
                fields=["transmission"],
                condition=Q(kind="ocr"),
                name="dues_import_one_transmission",
            ),
            models.UniqueConstraint(
                fields=["employer", "period"],
                condition=Q(kind="payroll", status="active"),
                name="dues_import_one_list_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.filename


class UnmatchedReason(models.TextChoices):
    INVALID_KID = "invalid_kid", _("Ugyldig KID (kontrollsiffer)")
    UNKNOWN_KID = "unknown_kid", _("KID tilhører ingen medlem")
    NO_KID = "no_kid", _("Mangler KID")


class ResolutionStatus(models.TextChoices):
    OPEN = "open", _("Åpen")
    RESOLVED = "resolved", _("Løst")


class UnmatchedPayment(models.Model):
    """An OCR transaction that could not be tied to a member; staff assign it to a
    member (it becomes a Payment) or mark it refunded or ignored."""

    batch = models.ForeignKey(DuesImport, on_delete=models.CASCADE, related_name="unmatched_rows")
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    amount_ore = models.BigIntegerField(_("beløp (øre)"))
    paid_on = models.DateField(_("betalt"))
    reference = models.CharField(_("referanse"), max_length=64)
    reason = models.CharField(_("årsak"), max_length=20, choices=UnmatchedReason.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ResolutionStatus.choices,
        default=ResolutionStatus.OPEN,
    )
    resolution = models.CharField(_("løsning"), max_length=20, blank=True)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("medlem"),
    )
    note = models.CharField(_("merknad"), max_length=200, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "members"
        ordering = ["paid_on", "id"]
        verbose_name = _("innbetaling uten medlem")
        verbose_name_plural = _("innbetalinger uten medlem")
        indexes = [models.Index(fields=["status", "paid_on"], name="dues_unmatched_status_idx")]


class DeviationKind(models.TextChoices):
    NOT_MEMBER = "not_member", _("Ikke medlem")
    OTHER_EMPLOYER = "other_employer", _("Medlem hos annen arbeidsgiver")
    AMOUNT_DIFFERS = "amount_differs", _("Beløpet avviker fra satsen")
    MISSING = "missing", _("Medlem mangler på listen")
    TOTAL_MISMATCH = "total_mismatch", _("Summen stemmer ikke")


class DeviationResolution(models.TextChoices):
    ACCEPTED = "accepted", _("Godtatt som det er")
    ASSIGNED = "assigned", _("Koblet til medlem")
    MOVED = "moved", _("Flyttet til denne arbeidsgiveren")
    LEFT_EMPLOYER = "left_employer", _("Sluttet – over til faktura")
    UNPAID_LEAVE = "unpaid_leave", _("Ulønnet permisjon")
    NAV = "nav", _("NAV-periode")
    PARENTAL_LEAVE = "parental_leave", _("Foreldrepermisjon")
    SWITCH_INVOICE = "switch_invoice", _("Over til faktura")
    REFUNDED = "refunded", _("Tilbakebetalt til arbeidsgiver")
    CONTACT_EMPLOYER = "contact_employer", _("Arbeidsgiver kontaktet")


# The resolutions each kind of deviation offers (the first is the most common).
RESOLUTIONS_FOR: dict[str, tuple[str, ...]] = {
    DeviationKind.NOT_MEMBER: ("assigned", "refunded", "contact_employer"),
    DeviationKind.OTHER_EMPLOYER: ("moved", "accepted"),
    DeviationKind.AMOUNT_DIFFERS: ("accepted", "contact_employer"),
    DeviationKind.MISSING: (
        "left_employer",
        "unpaid_leave",
        "nav",
        "parental_leave",
        "switch_invoice",
        "contact_employer",
    ),
    DeviationKind.TOTAL_MISMATCH: ("accepted", "contact_employer"),
}
# Resolutions that excuse the member from paying for the period (no double billing).
EXCUSING = {"unpaid_leave", "nav", "parental_leave"}


class Deviation(models.Model):
    """Something in an employer's deduction list that staff must decide on."""

    batch = models.ForeignKey(DuesImport, on_delete=models.CASCADE, related_name="deviation_rows")
    employer = models.ForeignKey(
        "clubs.Employer", on_delete=models.CASCADE, related_name="+", verbose_name=_("arbeidsgiver")
    )
    period = models.DateField(_("periode"))
    kind = models.CharField(_("avvik"), max_length=20, choices=DeviationKind.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dues_deviations",
        verbose_name=_("medlem"),
    )
    line_no = models.PositiveIntegerField(_("linje"), null=True, blank=True)
    # For lines that match no member: what the employer sent, so staff can decide.
    name = models.CharField(_("navn på listen"), max_length=200, blank=True)
    national_id = EncryptedTextField(_("fødselsnummer på listen"), blank=True)
    expected_ore = models.BigIntegerField(_("forventet (øre)"), null=True, blank=True)
    amount_ore = models.BigIntegerField(_("beløp (øre)"), null=True, blank=True)
    # The line said "Uten trekk": the employer paid without deducting from pay, so the
    # payment is the member's own for the tax report, whoever it is assigned to later.
    employer_paid = models.BooleanField(_("betalt av arbeidsgiver uten trekk"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ResolutionStatus.choices,
        default=ResolutionStatus.OPEN,
    )
    resolution = models.CharField(
        _("løsning"), max_length=20, choices=DeviationResolution.choices, blank=True
    )
    note = models.CharField(_("merknad"), max_length=200, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "members"
        ordering = ["period", "employer_id", "line_no", "id"]
        verbose_name = _("avvik i trekkliste")
        verbose_name_plural = _("avvik i trekklister")
        indexes = [models.Index(fields=["status", "period"], name="dues_deviation_status_idx")]

    @property
    def resolution_choices(self) -> list[tuple[str, object]]:
        labels = dict(DeviationResolution.choices)
        return [(value, labels[value]) for value in RESOLUTIONS_FOR[self.kind]]


class DuesExemption(models.Model):
    """A month the member owes nothing (unpaid leave, NAV, parental leave): it counts
    as covered for arrears and strike-off."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues_exemptions"
    )
    period = models.DateField(_("periode"))
    reason = models.CharField(_("årsak"), max_length=20, choices=DeviationResolution.choices)

    class Meta:
        app_label = "members"
        verbose_name = _("kontingentfritak")
        verbose_name_plural = _("kontingentfritak")
        constraints = [
            models.UniqueConstraint(fields=["member", "period"], name="one_exemption_per_month")
        ]


class AvtaleGiroClaimRun(models.Model):
    """The AvtaleGiro claims transmission for one month: made once, sent as it is."""

    period = models.DateField(_("periode"), unique=True)
    due_on = models.DateField(_("forfall"))
    transmission = models.CharField(max_length=7)
    claims = models.PositiveIntegerField(_("krav"))
    total_ore = models.BigIntegerField(_("sum (øre)"))
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "members"
        ordering = ["-period"]
        verbose_name = _("AvtaleGiro-krav")
        verbose_name_plural = _("AvtaleGiro-krav")


class TaxReportRun(models.Model):
    """One XML file for Skatteetaten (RF-1301): the dues members paid directly in an
    income year. A later run for the same year replaces the earlier statements (same
    statement ids)."""

    year = models.PositiveSmallIntegerField(_("inntektsår"))
    statements = models.PositiveIntegerField(_("oppgaver"))
    total_ore = models.BigIntegerField(_("sum (øre)"))
    content = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "members"
        ordering = ["-created_at", "-id"]
        verbose_name = _("skatteoppgave")
        verbose_name_plural = _("skatteoppgaver")


class InvoiceRun(models.Model):
    """One invoice run for a period (a quarter by default): the invoices it made, sent
    by e-mail or printed. A second run for the same period invoices only members the
    first one did not (an invoice per member and period is made once)."""

    period_start = models.DateField(_("periode fra"))
    period_months = models.PositiveSmallIntegerField(_("måneder"))
    label = models.CharField(_("periode"), max_length=10)
    due_on = models.DateField(_("forfall"))
    invoices = models.PositiveIntegerField(_("fakturaer"), default=0)
    total_ore = models.BigIntegerField(_("sum (øre)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "members"
        ordering = ["-created_at", "-id"]
        verbose_name = _("fakturakjøring")
        verbose_name_plural = _("fakturakjøringer")

    def __str__(self) -> str:
        return self.label


class InvoiceDelivery(models.TextChoices):
    EMAIL = "email", _("E-post")
    PRINT = "print", _("Brev")


class InvoiceStatus(models.TextChoices):
    UNPAID = "unpaid", _("Ubetalt")
    PAID = "paid", _("Betalt")


class Invoice(models.Model):
    """A dues invoice with KID for one member and period. `months` holds what each
    month of the period costs ([["YYYY-MM-01", øre], …]); a payment of the whole amount
    with the KID is split over those months. After erasure `member` is empty."""

    run = models.ForeignKey(InvoiceRun, on_delete=models.PROTECT, related_name="invoice_rows")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dues_invoices",
        verbose_name=_("medlem"),
    )
    period_start = models.DateField(_("periode fra"))
    label = models.CharField(_("periode"), max_length=10)
    months = models.JSONField(default=list)
    kid = models.CharField(_("KID"), max_length=25)
    amount_ore = models.BigIntegerField(_("beløp (øre)"))
    issued_on = models.DateField(_("fakturadato"))
    due_on = models.DateField(_("forfall"))
    delivery = models.CharField(_("sendes som"), max_length=10, choices=InvoiceDelivery.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.UNPAID
    )
    paid_ore = models.BigIntegerField(_("betalt (øre)"), default=0)
    paid_on = models.DateField(_("betalt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=100, blank=True)

    class Meta:
        app_label = "members"
        ordering = ["-period_start", "id"]
        verbose_name = _("faktura")
        verbose_name_plural = _("fakturaer")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period_start"], name="one_invoice_per_member_period"
            )
        ]
        indexes = [
            models.Index(fields=["member", "status"], name="dues_invoice_member_idx"),
            models.Index(fields=["run", "delivery", "sent_at"], name="dues_invoice_send_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.kid}"

    @property
    def number(self) -> str:
        return f"{self.period_start:%Y%m}-{self.pk:06d}"
