"""Tables of the membership lifecycle: join applications (innmelding), resignations a
member has given notice of (utmelding), changes a member asked for on Min side,
recruitment credits (verving) and the rules by which positions carry access.

Imported at the bottom of `members/models.py` so Django registers them with `members`.
Foreign keys to the register are by name: this module must not import members.models.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import AccessLevel, PositionTitle
from members.choices import MembershipType, ResignationReason
from members.crypto import EncryptedTextField
from members.validators import mask_national_id, validate_phone, validate_postal_code


class ApplicationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Venter på e-postbekreftelse")
    PENDING = "pending", _("Til behandling")
    ACCEPTED = "accepted", _("Godkjent")
    REJECTED = "rejected", _("Avslått")


class PaymentMethod(models.TextChoices):
    PAYROLL = "payroll", _("Trekk i lønn gjennom arbeidsgiver")
    AVTALEGIRO = "avtalegiro", _("AvtaleGiro")
    INVOICE = "invoice", _("Faktura")


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications `user` may handle: all for central staff, those of their
        branch(es) for branch officers (club officers see none: no branch scope)."""
        from clubs.permissions import scope_for

        scope = scope_for(user)
        if scope.central:
            return self.all()
        if not scope.branch_ids:
            return self.none()
        return self.filter(branch_id__in=scope.branch_ids)

    def expired(self, *, now: dt.datetime | None = None):
        """Applications past their retention: unverified after 30 days, rejected (and
        accepted: the member record holds the data then) 90 days after the decision."""
        now = now or timezone.now()
        return self.filter(
            Q(status=ApplicationStatus.UNVERIFIED, created_at__lt=now - UNVERIFIED_RETENTION)
            | Q(
                status__in=(ApplicationStatus.REJECTED, ApplicationStatus.ACCEPTED),
                decided_at__lt=now - DECIDED_RETENTION,
            )
        )


UNVERIFIED_RETENTION = dt.timedelta(days=30)
DECIDED_RETENTION = dt.timedelta(days=90)


class JoinApplication(models.Model):
    """An application to join (or rejoin) the union, from /bli-medlem/ or staff."""

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.UNVERIFIED,
    )
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("etternavn"), max_length=100)
    national_id = EncryptedTextField(_("fødselsnummer"))
    national_id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    birth_date = models.DateField(_("fødselsdato"))
    street = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=4, validators=[validate_postal_code])
    city = models.CharField(_("poststed"), max_length=100)
    phone = models.CharField(_("mobilnummer"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("e-post"))
    employer = models.ForeignKey(
        "clubs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arbeidsgiver"),
    )
    new_employer_name = models.CharField(_("ny arbeidsgiver"), max_length=200, blank=True)
    new_employer_org_number = models.CharField(
        _("organisasjonsnummer (ny arbeidsgiver)"), max_length=9, blank=True
    )
    membership_type = models.CharField(
        _("medlemskapstype"), max_length=20, choices=MembershipType.choices
    )
    school = models.CharField(_("skole eller lærested"), max_length=200, blank=True)
    payment_method = models.CharField(_("betaling"), max_length=20, choices=PaymentMethod.choices)
    previous_union = models.ForeignKey(
        "members.Union",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tidligere forbund"),
    )
    joined_lo_on = models.DateField(_("innmeldt i LO"), null=True, blank=True)
    recruiter_reference = models.CharField(_("vervet av (oppgitt)"), max_length=20, blank=True)
    recruited_by = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vervet av"),
    )
    insurance_reserved = models.BooleanField(_("reservert mot kollektiv forsikring"), default=False)
    terms_accepted_at = models.DateTimeField(_("vilkår godtatt"))
    privacy_notice_version = models.PositiveIntegerField(
        _("versjon av personvernerklæringen"), null=True, blank=True
    )
    branch = models.ForeignKey(
        "clubs.Branch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("avdeling"),
    )
    club = models.ForeignKey(
        "clubs.Club",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("klubb"),
    )
    # A resigned member applying again: accepting rejoins this record.
    rejoin_member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tidligere medlem"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("medlem"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    verified_at = models.DateTimeField(_("e-post bekreftet"), null=True, blank=True)
    created_at = models.DateTimeField(_("mottatt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("behandlet av"),
    )
    rejection_reason = models.TextField(_("begrunnelse for avslag"), blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("innmelding")
        verbose_name_plural = _("innmeldinger")
        indexes = [
            models.Index(fields=["status", "created_at"], name="joinapp_status_idx"),
            models.Index(fields=["decided_at"], name="joinapp_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def employer_label(self) -> str:
        if self.employer_id:
            return str(self.employer)
        if self.new_employer_name:
            return f"{self.new_employer_name} ({self.new_employer_org_number})"
        return ""


class ResignationStatus(models.TextChoices):
    PENDING = "pending", _("Venter på utmeldingsdatoen")
    WITHDRAWN = "withdrawn", _("Trukket tilbake")
    APPLIED = "applied", _("Gjennomført")


class Resignation(models.Model):
    """A resignation the member gave notice of; the daily job carries it out through
    `members.services.member_resign` when its effective date comes."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="resignations"
    )
    reason = models.CharField(_("årsak"), max_length=20, choices=ResignationReason.choices)
    union = models.ForeignKey(
        "members.Union",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("forbund"),
    )
    other_union = models.CharField(_("annet forbund"), max_length=200, blank=True)
    details = models.TextField(_("kommentar"), blank=True)
    effective_on = models.DateField(_("utmeldt fra"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ResignationStatus.choices,
        default=ResignationStatus.PENDING,
    )
    created_at = models.DateTimeField(_("mottatt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("trukket"), null=True, blank=True)
    applied_at = models.DateTimeField(_("gjennomført"), null=True, blank=True)

    class Meta:
        ordering = ["effective_on", "created_at"]
        verbose_name = _("utmelding")
        verbose_name_plural = _("utmeldinger")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="one_pending_resignation",
            )
        ]
        indexes = [models.Index(fields=["status", "effective_on"], name="resignation_due_idx")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.get_reason_display()} {self.effective_on}"


class ChangeKind(models.TextChoices):
    MEMBERSHIP_TYPE = "membership_type", _("Medlemskapstype")
    EMPLOYER = "employer", _("Arbeidsgiver")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Venter på godkjenning")
    APPLIED = "applied", _("Gjennomført")
    REJECTED = "rejected", _("Avslått")
    WITHDRAWN = "withdrawn", _("Trukket tilbake")


class MembershipChange(models.Model):
    """A change the member asked for on Min side. Type changes that change the dues
    wait for staff; the rest are applied at once and kept here as a receipt."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="membership_changes"
    )
    kind = models.CharField(_("endring"), max_length=20, choices=ChangeKind.choices)
    membership_type = models.CharField(
        _("ny medlemskapstype"), max_length=20, choices=MembershipType.choices, blank=True
    )
    previous_membership_type = models.CharField(
        _("tidligere medlemskapstype"), max_length=20, choices=MembershipType.choices, blank=True
    )
    school = models.CharField(_("skole eller lærested"), max_length=200, blank=True)
    employer = models.ForeignKey(
        "clubs.Employer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ny arbeidsgiver"),
    )
    previous_club = models.ForeignKey(
        "clubs.Club",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tidligere klubb"),
    )
    new_club = models.ForeignKey(
        "clubs.Club",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ny klubb"),
    )
    effective_on = models.DateField(_("fra"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    created_at = models.DateTimeField(_("mottatt"), default=timezone.now)
    decided_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("merknad"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("endring av medlemskap")
        verbose_name_plural = _("endringer av medlemskap")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(status="pending"),
                name="one_pending_change_per_kind",
            )
        ]


class Recruitment(models.Model):
    """A recruiter credited with a recruit, once per membership (the recruit's join
    date): written when the application is accepted."""

    recruiter = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="recruitments",
        verbose_name=_("verver"),
    )
    recruit = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="recruited_credits",
        verbose_name=_("vervet medlem"),
    )
    branch = models.ForeignKey(
        "clubs.Branch",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("avdeling"),
    )
    credited_on = models.DateField(_("godskrevet"))

    class Meta:
        ordering = ["-credited_on"]
        verbose_name = _("verving")
        verbose_name_plural = _("vervinger")
        constraints = [
            models.UniqueConstraint(fields=["recruit", "credited_on"], name="recruit_credited_once")
        ]
        indexes = [models.Index(fields=["credited_on", "branch"], name="recruitment_period_idx")]


class PositionAccessRule(models.Model):
    """Which access a position title gives: a club-level rule gives the holder of that
    title in a club a grant for the club; a branch-level rule gives the holder of that
    title on a branch board a grant for the branch. Staff edit the table; no row, no
    access."""

    title = models.CharField(_("verv"), max_length=30, choices=PositionTitle.choices)
    level = models.CharField(
        _("tilgang"),
        max_length=10,
        choices=[
            (AccessLevel.CLUB.value, _("Klubb (verv i en klubb)")),
            (AccessLevel.BRANCH.value, _("Avdeling (verv i avdelingsstyret)")),
        ],
    )

    class Meta:
        ordering = ["level", "title"]
        verbose_name = _("tilgang fra verv")
        verbose_name_plural = _("tilganger fra verv")
        constraints = [
            models.UniqueConstraint(fields=["title", "level"], name="one_rule_per_title_level"),
            models.CheckConstraint(
                condition=Q(level__in=["club", "branch"]), name="rule_level_club_or_branch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_title_display()} – {self.get_level_display()}"


class PositionGrant(models.Model):
    """The grant a position created, so that ending the position ends that grant."""

    position = models.OneToOneField(
        "clubs.Position", on_delete=models.CASCADE, related_name="access_link"
    )
    grant = models.ForeignKey("clubs.AccessGrant", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
