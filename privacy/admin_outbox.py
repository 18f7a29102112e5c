"""Admin for partners and what they were sent: recipients, the disclosure outbox (with a
retry action for dead or failed events) and the erasure records.

Disclosures and erasure records are evidence: nobody adds, edits or deletes them here.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.admin.access import LogsMemberReads

from . import outbox
from .models import Disclosure, DisclosureStatus, ErasureRecord, Recipient


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "role", "rule", "country", "active", "waiting", "dead")
    list_filter = ("role", "rule", "active")
    search_fields = ("name", "slug")
    readonly_fields = ("slug",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "role", "rule", "country", "active")}),
        (_("Hva og hvorfor"), {"fields": ("fields", "purpose_nb", "purpose_en")}),
        (_("Behandlingsgrunnlag"), {"fields": ("legal_basis_nb", "legal_basis_en")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # A new recipient needs its slug; an existing one keeps it (adapters and
        # settings use it).
        return () if obj is None else self.readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _waiting=Count(
                    "disclosures",
                    filter=Q(
                        disclosures__status__in=[DisclosureStatus.PENDING, DisclosureStatus.FAILED]
                    ),
                ),
                _dead=Count("disclosures", filter=Q(disclosures__status=DisclosureStatus.DEAD)),
            )
        )

    @admin.display(description=_("venter"), ordering="_waiting")
    def waiting(self, obj):
        return obj._waiting

    @admin.display(description=_("stoppet"), ordering="_dead")
    def dead(self, obj):
        return obj._dead

    def has_delete_permission(self, request, obj=None):
        # Recipients that received data are the subject of the disclosure log.
        return False


@admin.register(Disclosure)
class DisclosureAdmin(LogsMemberReads, admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipient",
        "member_number",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "event", "recipient")
    search_fields = ("=member_number", "=event_id")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    actions = ("retry",)
    readonly_fields = (
        "event_id",
        "recipient",
        "member",
        "member_number",
        "event",
        "fields",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    raw_id_fields = ("member",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewable (read-only), never editable: it is the log of what was shared.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Prøv å levere valgte hendelser på nytt"), permissions=["retry"])
    def retry(self, request, queryset):
        count = outbox.retry_disclosures(
            queryset.filter(
                status__in=[DisclosureStatus.DEAD, DisclosureStatus.FAILED]
            ).values_list("pk", flat=True)
        )
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d hendelse er lagt i køen igjen.",
                    "%(count)d hendelser er lagt i køen igjen.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("Ingen av de valgte hendelsene var stoppet eller feilet."),
                messages.WARNING,
            )

    def has_retry_permission(self, request):
        return request.user.has_perm("privacy.change_disclosure") or request.user.is_superuser


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = ("member_number", "erased_on", "reason")
    list_filter = ("reason", "erased_on")
    search_fields = ("=member_number",)
    date_hierarchy = "erased_on"
    readonly_fields = ("member_number", "erased_on", "reason", "counts")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
