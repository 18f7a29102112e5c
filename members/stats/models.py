"""The statistics area's derived tables: nightly counts and dues sums with no person
in them, so that trends stay right after erasures. Registered with the `members` app
(imported by `members.models`)."""

from django.db import models

from members.choices import MembershipType, MemberStatus, ResignationReason


class MembershipSnapshot(models.Model):
    """Nightly counts for statistics, so trends stay right after erasures. No person.

    One row per day, branch, type, status and resignation reason (empty for members
    who have not resigned). `count` is how many members are in that group at the end of
    `taken_on`; `joined`, `recruited` and `resigned` count the group's members who
    joined (were recruited, resigned) in the calendar month of `taken_on`, up to and
    including that day, so the month's last snapshot holds the whole month."""

    taken_on = models.DateField(db_index=True)
    branch = models.ForeignKey("clubs.Branch", on_delete=models.CASCADE, related_name="+")
    membership_type = models.CharField(max_length=20, choices=MembershipType.choices)
    status = models.CharField(max_length=20, choices=MemberStatus.choices)
    resignation_reason = models.CharField(
        max_length=20, choices=ResignationReason.choices, blank=True, default=""
    )
    count = models.PositiveIntegerField()
    joined = models.PositiveIntegerField(default=0)
    recruited = models.PositiveIntegerField(default=0)
    resigned = models.PositiveIntegerField(default=0)
    # Active members with no dues payment paid in the three months up to `taken_on`.
    arrears = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "branch", "membership_type", "status", "resignation_reason"],
                name="one_snapshot_row_per_reason",
            )
        ]


class DuesSnapshot(models.Model):
    """Dues paid per period month, branch and membership type, summed nightly so the
    dashboard need not add up millions of payments on every view. Payments of erased
    members have no branch and stay in the union total (branch empty). No person."""

    period = models.DateField()
    branch = models.ForeignKey(
        "clubs.Branch", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    membership_type = models.CharField(max_length=20, choices=MembershipType.choices, blank=True)
    paid_ore = models.BigIntegerField(default=0)
    payments = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["period", "branch"], name="dues_snapshot_period_idx")]
