"""Password rules with our own texts: Django's Norwegian catalogue lacks the current
wording of the length rule, so it reached members in English."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Passordet er for kort. Det må ha minst %(min_length)d tegn.",
            "Passordet er for kort. Det må ha minst %(min_length)d tegn.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Passordet må ha minst %(min_length)d tegn.",
            "Passordet må ha minst %(min_length)d tegn.",
            self.min_length,
        ) % {"min_length": self.min_length}
