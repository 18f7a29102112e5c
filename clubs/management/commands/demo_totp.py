"""Print the current TOTP code of the demo officer and staff logins (DEBUG only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


class Command(BaseCommand):
    help = "Print the current two-factor code for the demo logins (only with DEBUG on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only available with DEBUG on: the demo secret is public.")
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
