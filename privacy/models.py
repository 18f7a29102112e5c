"""Privacy: the notice, consents, recipients and what they got (the disclosure outbox),
requests from members, the access log, proof of erasure, and the anonymous search log."""

import datetime as dt
import uuid

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    version = models.PositiveIntegerField(_("versjon"), unique=True)
    effective_from = models.DateField(_("gjelder fra"))
    title_nb = models.CharField(_("tittel (bokmål)"), max_length=200)
    title_en = models.CharField(_("tittel (engelsk)"), max_length=200)
    body_nb = models.TextField(_("tekst (bokmål)"))
    body_en = models.TextField(_("tekst (engelsk)"))
    published = models.BooleanField(_("publisert"), default=False)
    controller_contact = models.TextField(_("behandlingsansvarlig og kontakt"), blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("personvernerklæring")
        verbose_name_plural = _("personvernerklæringer")

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class CookieCategory(models.TextChoices):
    NECESSARY = "necessary", _("Nødvendige")
    STATISTICS = "statistics", _("Statistikk")
    MARKETING = "marketing", _("Markedsføring")


class CookieDefinition(models.Model):
    """One cookie the site may set; the cookie declaration is rendered from these."""

    name = models.CharField(_("navn"), max_length=100)
    provider = models.CharField(_("leverandør"), max_length=100)
    category = models.CharField(_("kategori"), max_length=20, choices=CookieCategory.choices)
    purpose_nb = models.TextField(_("formål (bokmål)"))
    purpose_en = models.TextField(_("formål (engelsk)"))
    duration_nb = models.CharField(_("varighet (bokmål)"), max_length=100)
    duration_en = models.CharField(_("varighet (engelsk)"), max_length=100)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("informasjonskapsel")
        verbose_name_plural = _("informasjonskapsler")

    def __str__(self) -> str:
        return self.name


class ConsentRecord(models.Model):
    """One cookie choice. No IP address, no user agent."""

    consent_id = models.UUIDField(_("samtykke-ID"), db_index=True)
    necessary = models.BooleanField(default=True)
    statistics = models.BooleanField(_("statistikk"), default=False)
    marketing = models.BooleanField(_("markedsføring"), default=False)
    notice_version = models.PositiveIntegerField(_("versjon av erklæringen"))
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_records",
    )
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("samtykke")
        verbose_name_plural = _("samtykker")


class RecipientRole(models.TextChoices):
    PROCESSOR = "processor", _("Databehandler")
    CONTROLLER = "controller", _("Selvstendig behandlingsansvarlig")


class RecipientRule(models.TextChoices):
    """Which members a recipient gets."""

    ALL_ACTIVE = "all_active", _("Alle aktive medlemmer")
    EMAIL_CONSENT = "email_consent", _("Medlemmer som har sagt ja til e-post")
    NEWSLETTER = "newsletter", _("Medlemmer som vil ha nyhetsbrev")
    SURVEY_CONSENT = "survey_consent", _("Medlemmer som har sagt ja til undersøkelser")
    NOT_RESERVED = "not_reserved", _("Medlemmer som ikke har reservert seg")
    NEW_CLUB_OFFICERS = "new_club_officers", _("Nye tillitsvalgte på klubbnivå")
    ORDERS = "orders", _("Medlemmer som bestiller produktet")


class Recipient(models.Model):
    """A partner that receives member data: what for, on what basis, exactly which fields."""

    slug = models.SlugField(_("kortnavn"), unique=True)
    name = models.CharField(_("navn"), max_length=200)
    purpose_nb = models.TextField(_("formål (bokmål)"))
    purpose_en = models.TextField(_("formål (engelsk)"))
    legal_basis_nb = models.TextField(_("behandlingsgrunnlag (bokmål)"))
    legal_basis_en = models.TextField(_("behandlingsgrunnlag (engelsk)"))
    role = models.CharField(_("rolle"), max_length=20, choices=RecipientRole.choices)
    fields = models.JSONField(_("felter"), default=list, help_text=_("Feltene mottakeren får."))
    rule = models.CharField(_("hvem som deles"), max_length=30, choices=RecipientRule.choices)
    country = models.CharField(_("land for behandling"), max_length=100, default="Norge")
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mottaker")
        verbose_name_plural = _("mottakere")

    def __str__(self) -> str:
        return self.name


class DisclosureEvent(models.TextChoices):
    CREATED = "created", _("Opprettet")
    UPDATED = "updated", _("Endret")
    RESIGNED = "resigned", _("Utmeldt")
    ERASED = "erased", _("Slettet")


class DisclosureStatus(models.TextChoices):
    PENDING = "pending", _("Venter")
    # Claimed by a worker (a lease until `next_attempt_at`); due again if it expires.
    SENDING = "sending", _("Sendes nå")
    SENT = "sent", _("Levert")
    FAILED = "failed", _("Feilet, prøves igjen")
    DEAD = "dead", _("Stoppet (krever behandling)")


class Disclosure(models.Model):
    """The transactional outbox, and afterwards the log of what was shared with whom."""

    event_id = models.UUIDField(_("hendelses-ID"), default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name=_("mottaker"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("medlem"),
    )
    member_number = models.PositiveBigIntegerField(_("medlemsnummer"), db_index=True)
    event = models.CharField(_("hendelse"), max_length=20, choices=DisclosureEvent.choices)
    fields = models.JSONField(_("felter"), default=list)
    payload = models.JSONField(_("innhold"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("forsøk"), default=0)
    next_attempt_at = models.DateTimeField(_("neste forsøk"), default=timezone.now)
    last_error = models.TextField(_("siste feil"), blank=True)
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now)
    sent_at = models.DateTimeField(_("levert"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("utlevering")
        verbose_name_plural = _("utleveringer")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="disclosure_due_idx"),
            models.Index(fields=["recipient", "member_number", "id"], name="disclosure_order_idx"),
        ]


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Innsyn")
    ERASURE = "erasure", _("Sletting")
    RECTIFICATION = "rectification", _("Retting")
    OBJECTION = "objection", _("Protest")
    RESIGNATION = "resignation", _("Utmelding")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Mottatt")
    IN_PROGRESS = "in_progress", _("Under behandling")
    APPROVED = "approved", _("Godkjent")
    COMPLETED = "completed", _("Fullført")
    REJECTED = "rejected", _("Avslått")


class RequestChannel(models.TextChoices):
    MIN_SIDE = "min_side", _("Min side")
    EMAIL = "email", _("E-post")
    LETTER = "letter", _("Brev")
    PHONE = "phone", _("Telefon")
    BANKID = "bankid", _("Nettskjema med BankID")
    WEB = "web", _("Nettskjema uten BankID")


def one_month_after(day: dt.date) -> dt.date:
    """GDPR Art. 12(3): one month; 31 January gives 28/29 February."""
    return day + relativedelta(months=1)


class DataSubjectRequest(models.Model):
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="privacy_requests",
    )
    member_number = models.PositiveBigIntegerField(_("medlemsnummer"), null=True, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    channel = models.CharField(_("kanal"), max_length=20, choices=RequestChannel.choices)
    received_on = models.DateField(_("mottatt"), default=timezone.localdate)
    due_on = models.DateField(_("frist"))
    details = models.TextField(_("beskrivelse"), blank=True)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saksbehandler"),
    )
    notes = models.TextField(_("notater"), blank=True)
    completed_at = models.DateTimeField(_("fullført"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("henvendelse om personvern")
        verbose_name_plural = _("henvendelser om personvern")
        indexes = [models.Index(fields=["status", "due_on"], name="dsr_status_due_idx")]

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class AccessLogQuerySet(models.QuerySet):
    """Append-only: rows are never changed or removed through the ORM. Only erasure of
    the member they name removes them (`erase_for_member`)."""

    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")

    def scrub_details(self, details: dict[int, dict]) -> int:
        """Replace the `detail` of these rows (erasure: values naming an erased member);
        returns the count. The only change the log ever allows."""
        base: models.QuerySet = models.QuerySet(self.model, using=self.db)
        return sum(base.filter(pk=pk).update(detail=detail) for pk, detail in details.items())

    def erase_for_member(self, member_id: int) -> int:
        """Remove every row naming a member being erased; returns the count."""
        return models.QuerySet.delete(
            models.QuerySet(self.model, using=self.db).filter(member_id=member_id)
        )[0]


class AccessAction(models.TextChoices):
    VIEW_CARD = "view_card", _("Åpnet medlemskort")
    VIEW_MEMBER = "view_member", _("Åpnet medlemsside")
    EXPORT = "export", _("Eksport")
    REVEAL_NATIONAL_ID = "reveal_national_id", _("Viste fødselsnummer")
    SEARCH = "search", _("Søk i registeret")
    EDIT = "edit", _("Endret medlem")
    ACCESS_REPORT = "access_report", _("Innsynsrapport")


class AuthMethod(models.TextChoices):
    BANKID = "bankid", _("BankID")
    WEBAUTHN = "webauthn", _("Passnøkkel")
    TOTP = "totp", _("Passord og kodeapp")
    RECOVERY_CODES = "recovery_codes", _("Passord og gjenopprettingskode")
    PASSWORD = "password", _("Bare passord")


class AccessLog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_log",
        verbose_name=_("bruker"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("medlem"),
    )
    action = models.CharField(_("handling"), max_length=30, choices=AccessAction.choices)
    view = models.CharField(_("side"), max_length=100, blank=True)
    role = models.CharField(_("rolle"), max_length=100, blank=True)
    detail = models.JSONField(_("detaljer"), default=dict, blank=True)
    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    # How the reader's session logged in: bankid, totp, webauthn, recovery_codes, password.
    auth_method = models.CharField(
        _("innlogging"), max_length=20, blank=True, choices=AuthMethod.choices
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("tilgangslogg")
        verbose_name_plural = _("tilgangslogg")
        indexes = [
            models.Index(fields=["member", "at"], name="accesslog_member_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_idx"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class ErasureRecord(models.Model):
    """Proof that a member was erased. No personal data beyond the member number."""

    member_number = models.PositiveBigIntegerField(_("medlemsnummer"), unique=True)
    erased_on = models.DateField(_("slettet"))
    reason = models.CharField(_("grunnlag"), max_length=40)
    counts = models.JSONField(_("antall rader"), default=dict)

    class Meta:
        ordering = ["-erased_on"]
        verbose_name = _("slettebevis")
        verbose_name_plural = _("slettebevis")


class SearchTerm(models.Model):
    """Site searches, aggregated per day: no user, session, IP or time of day."""

    term = models.CharField(_("søkeord"), max_length=100)
    day = models.DateField(_("dag"))
    count = models.PositiveIntegerField(_("antall"), default=0)
    zero_results = models.PositiveIntegerField(_("uten treff"), default=0)

    class Meta:
        ordering = ["-day", "-count"]
        verbose_name = _("søkeord")
        verbose_name_plural = _("søkeord")
        constraints = [models.UniqueConstraint(fields=["term", "day"], name="one_term_per_day")]


class InfoPage(models.Model):
    """A public information page (searchable on /sok/)."""

    slug = models.SlugField(unique=True)
    title_nb = models.CharField(_("tittel (bokmål)"), max_length=200)
    title_en = models.CharField(_("tittel (engelsk)"), max_length=200)
    body_nb = models.TextField(_("tekst (bokmål)"))
    body_en = models.TextField(_("tekst (engelsk)"))
    published = models.BooleanField(_("publisert"), default=True)

    class Meta:
        ordering = ["title_nb"]
        verbose_name = _("informasjonsside")
        verbose_name_plural = _("informasjonssider")

    def __str__(self) -> str:
        return self.title_nb
