"""The register's fixed choices (membership type, status, resignation reason, magazine),
kept apart from the models so that every area can use them without importing models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipType(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinært medlem")
    STUDENT = "student", _("Student")
    APPRENTICE = "apprentice", _("Lærling")
    PENSIONER = "pensioner", _("Pensjonist")
    UNEMPLOYED = "unemployed", _("Arbeidsledig")
    DISABLED = "disabled", _("Uføretrygdet")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Aktiv")
    RESIGNED = "resigned", _("Utmeldt")
    STRUCK_OFF = "struck_off", _("Strøket")
    DECEASED = "deceased", _("Død")
    TRANSFERRED = "transferred", _("Overført")


class ResignationReason(models.TextChoices):
    RESIGNED = "resigned", _("Utmeldt")
    TRANSFER_LO = "transfer_lo", _("Overført til annet LO-forbund")
    TRANSFER_OTHER = "transfer_other", _("Overført til forbund utenfor LO")
    STRUCK_OFF = "struck_off", _("Strøket for manglende betaling")
    DECEASED = "deceased", _("Død")


class MagazineChoice(models.TextChoices):
    PAPER = "paper", _("Papir")
    DIGITAL = "digital", _("Digitalt")
    NONE = "none", _("Ikke ønsket")
