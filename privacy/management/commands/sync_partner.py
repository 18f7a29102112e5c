"""Bulk initial load for a partner: write a `created` outbox row for every member the
recipient's rule admits and the partner does not have yet, then deliver them."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from members.models import Member
from privacy import outbox
from privacy.models import Recipient, RecipientRule


class Command(BaseCommand):
    help = "Send alle medlemmer en mottaker skal ha (første lasting), i puljer."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The recipient's slug, e.g. mailchimp.")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="Only write the outbox rows; workers and the sweep deliver them.",
        )

    def handle(self, *args, name, batch_size=1000, no_deliver=False, **options):
        try:
            recipient = Recipient.objects.get(slug=name)
        except Recipient.DoesNotExist:
            slugs = ", ".join(Recipient.objects.values_list("slug", flat=True))
            raise CommandError(f"Unknown recipient {name!r}. Known: {slugs}") from None
        if not recipient.active:
            raise CommandError(f"Recipient {name!r} is not active.")
        if recipient.rule == RecipientRule.ORDERS:
            raise CommandError("Product partners get orders, not a member list.")

        members = Member.objects.active().select_related("branch", "club", "employer")
        total = members.count()
        written: list[int] = []
        last_pk = 0
        with tqdm(total=total, unit="member", desc=f"{name}: queue", file=self.stderr) as bar:
            while batch := list(members.filter(pk__gt=last_pk).order_by("pk")[:batch_size]):
                with transaction.atomic():
                    rows = outbox.queue_recipient_sync(recipient, batch)
                written += [row.pk for row in rows]
                last_pk = batch[-1].pk
                bar.update(len(batch))
        self.stdout.write(f"Queued {len(written)} event(s) for {recipient.name}.")
        if no_deliver or not written:
            return

        sent = failed = 0
        with tqdm(total=len(written), unit="event", desc=f"{name}: send", file=self.stderr) as bar:
            for start in range(0, len(written), batch_size):
                result = outbox.deliver_due(ids=written[start : start + batch_size])
                sent += len(result.sent)
                failed += len(result.failed) + len(result.dead)
                bar.update(len(result.sent) + len(result.failed) + len(result.dead))
        self.stdout.write(
            f"Delivered {sent}; {failed} failed and will be retried by the sweep "
            "(or are stopped for staff)."
        )
