"""The organisation: branches (avdelinger), clubs (klubber) at employers, union
positions (tillitsverv), and the access grants that are the only source of access."""

import datetime as dt

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.validators import validate_org_number


class Branch(models.Model):
    number = models.PositiveIntegerField(_("avdelingsnummer"), unique=True)
    name = models.CharField(_("navn"), max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = _("avdeling")
        verbose_name_plural = _("avdelinger")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Employer(models.Model):
    name = models.CharField(_("navn"), max_length=200)
    org_number = models.CharField(
        _("organisasjonsnummer"), max_length=9, unique=True, validators=[validate_org_number]
    )
    # Who receives the monthly payroll deduction list (trekkliste) by e-mail.
    contact_name = models.CharField(_("kontaktperson for trekklister"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-post for trekklister"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("arbeidsgiver")
        verbose_name_plural = _("arbeidsgivere")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.contact_email = self.contact_email.strip().lower()
        self.contact_name = self.contact_name.strip()
        if self.contact_name and not self.contact_email:
            raise ValidationError({"contact_email": _("Oppgi e-postadressen til kontaktpersonen.")})


class Club(models.Model):
    name = models.CharField(_("navn"), max_length=200)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("avdeling")
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        related_name="clubs",
        null=True,
        blank=True,
        verbose_name=_("arbeidsgiver"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("klubb")
        verbose_name_plural = _("klubber")

    def __str__(self) -> str:
        return self.name


class PositionTitle(models.TextChoices):
    KLUBBLEDER = "klubbleder", _("Klubbleder")
    NESTLEDER = "nestleder", _("Nestleder")
    SEKRETAER = "sekretaer", _("Sekretær")
    KASSERER = "kasserer", _("Kasserer")
    HOVEDTILLITSVALGT = "hovedtillitsvalgt", _("Hovedtillitsvalgt")
    VERNEOMBUD = "verneombud", _("Verneombud")
    HOVEDVERNEOMBUD = "hovedverneombud", _("Hovedverneombud")
    UNGDOMSTILLITSVALGT = "ungdomstillitsvalgt", _("Ungdomstillitsvalgt")
    STYREMEDLEM = "styremedlem", _("Styremedlem")


class PositionQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        )


class Position(models.Model):
    """A union position (tillitsverv) held in a club or a branch."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="positions",
        verbose_name=_("medlem"),
    )
    title = models.CharField(_("verv"), max_length=30, choices=PositionTitle.choices)
    club = models.ForeignKey(
        Club,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("klubb"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("avdeling"),
    )
    started_on = models.DateField(_("fra"))
    ended_on = models.DateField(_("til"), null=True, blank=True)
    history = HistoricalRecords()

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["title", "started_on"]
        verbose_name = _("tillitsverv")
        verbose_name_plural = _("tillitsverv")
        constraints = [
            models.CheckConstraint(
                condition=Q(club__isnull=False, branch__isnull=True)
                | Q(club__isnull=True, branch__isnull=False),
                name="position_club_xor_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_title_display()} ({self.club or self.branch})"

    def clean(self) -> None:
        if bool(self.club_id) == bool(self.branch_id):
            raise ValidationError(_("Et verv hører til enten en klubb eller en avdeling."))
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("Sluttdato kan ikke være før startdato.")})


class AccessLevel(models.TextChoices):
    CENTRAL = "central", _("Sentralt (forbundskontoret)")
    BRANCH = "branch", _("Avdeling")
    CLUB = "club", _("Klubb")


class AccessGrantQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None):
        """Grants in force on a day: an expired or future grant is no grant, and neither
        is one whose holder has not yet taken it into use with the second factor."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on, activated_at__isnull=False).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def awaiting_activation(self, on: dt.date | None = None):
        """Grants still valid whose holder has not opened the e-mailed link yet."""
        on = on or timezone.localdate()
        return self.filter(activated_at__isnull=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class AccessGrant(models.Model):
    """The only source of access to other people's member data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_grants",
        verbose_name=_("bruker"),
    )
    level = models.CharField(_("nivå"), max_length=10, choices=AccessLevel.choices)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("avdeling"),
    )
    club = models.ForeignKey(
        Club,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("klubb"),
    )
    valid_from = models.DateField(_("gyldig fra"), default=timezone.localdate)
    valid_to = models.DateField(_("gyldig til"), null=True, blank=True)
    note = models.CharField(_("merknad"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A grant takes effect only when its holder opens the link e-mailed to their
    # verified address in a session that passed the second factor: a password alone
    # must not be enough to set up MFA and step into the grant.
    activated_at = models.DateTimeField(_("tatt i bruk"), null=True, blank=True)
    activation_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["activation_token_hash"])

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "level"]
        verbose_name = _("tilgang")
        verbose_name_plural = _("tilganger")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level="central", branch__isnull=True, club__isnull=True)
                    | Q(level="branch", branch__isnull=False, club__isnull=True)
                    | Q(level="club", club__isnull=False, branch__isnull=True)
                ),
                name="grant_scope_matches_level",
            ),
        ]

    def __str__(self) -> str:
        scope = self.club or self.branch or _("hele registeret")
        return f"{self.user} – {self.get_level_display()}: {scope}"

    def clean(self) -> None:
        if self.level == AccessLevel.CENTRAL and (self.branch_id or self.club_id):
            raise ValidationError(
                _("Sentral tilgang gjelder hele registeret; velg ingen avdeling eller klubb.")
            )
        if self.level == AccessLevel.BRANCH and (not self.branch_id or self.club_id):
            raise ValidationError(_("Avdelingstilgang krever en avdeling (og ingen klubb)."))
        if self.level == AccessLevel.CLUB and (not self.club_id or self.branch_id):
            raise ValidationError(_("Klubbtilgang krever en klubb (og ingen avdeling)."))
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Sluttdato kan ikke være før startdato.")})


class SecondFactor(Authenticator):
    """allauth's authenticator under a Norwegian name in the admin (allauth's model has
    no verbose name of its own, so the admin would say "Authenticators")."""

    class Meta:
        proxy = True
        verbose_name = _("tofaktormetode")
        verbose_name_plural = _("tofaktormetoder")
