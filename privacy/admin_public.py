"""Admin for the public privacy side: notice versions, the cookie declaration, consent
records, the search log, information pages, requests from members and the access log.

Consent records, the search log and the access log are evidence or statistics: they
are read here, never written. The access log cannot be added to, changed or deleted."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from members.admin.access import LogsMemberReads

from .models import (
    AccessLog,
    ConsentRecord,
    CookieDefinition,
    DataSubjectRequest,
    InfoPage,
    PrivacyNotice,
    SearchTerm,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never editable: no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ("version", "title_nb", "effective_from", "published")
    list_filter = ("published",)
    ordering = ("-version",)
    actions = ("copy_as_new_version",)
    fieldsets = (
        (None, {"fields": ("version", "effective_from", "published", "controller_contact")}),
        (_("Bokmål"), {"fields": ("title_nb", "body_nb")}),
        (_("Engelsk"), {"fields": ("title_en", "body_en")}),
    )
    body_help = _(
        "Format: «## » gir overskrift, «- » gir punktliste, tom linje gir nytt avsnitt. "
        "[mottakere], [lagringstid], [informasjonskapsler], [kontakt] og [klage] på egen "
        "linje fylles ut fra registeret."
    )

    def get_readonly_fields(self, request, obj=None):
        # A published version is a record of what members were told: it is not
        # rewritten. Publish a new version instead.
        if obj is not None and obj.published:
            return (
                "version",
                "effective_from",
                "published",
                "controller_contact",
                "title_nb",
                "body_nb",
                "title_en",
                "body_en",
            )
        return ()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.published

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("body_nb", "body_en") and field is not None:
            field.help_text = self.body_help
        return field

    @admin.action(description=_("Kopier til ny, upublisert versjon"))
    def copy_as_new_version(self, request, queryset):
        latest = PrivacyNotice.objects.order_by("-version").first()
        source = queryset.order_by("-version").first()
        if source is None:
            return
        copy = PrivacyNotice.objects.create(
            version=(latest.version if latest else 0) + 1,
            effective_from=source.effective_from,
            title_nb=source.title_nb,
            title_en=source.title_en,
            body_nb=source.body_nb,
            body_en=source.body_en,
            controller_contact=source.controller_contact,
            published=False,
        )
        messages.success(
            request,
            _("Versjon %(version)s er opprettet som utkast.") % {"version": copy.version},
        )


@admin.register(CookieDefinition)
class CookieDefinitionAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "category", "duration_nb")
    list_filter = ("category",)
    search_fields = ("name", "provider")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "consent_id", "statistics", "marketing", "notice_version")
    list_filter = ("statistics", "marketing", "notice_version")
    search_fields = ("consent_id",)
    date_hierarchy = "created_at"
    raw_id_fields = ("member",)


@admin.register(SearchTerm)
class SearchTermAdmin(ReadOnlyAdmin):
    list_display = ("day", "term", "count", "zero_results")
    list_filter = ("day",)
    search_fields = ("term",)
    date_hierarchy = "day"

    def has_delete_permission(self, request, obj=None):
        # A term that slipped past the filters can still be removed by an admin.
        return request.user.is_superuser


@admin.register(InfoPage)
class InfoPageAdmin(admin.ModelAdmin):
    list_display = ("title_nb", "slug", "published")
    list_filter = ("published",)
    search_fields = ("title_nb", "title_en", "slug")
    prepopulated_fields = {"slug": ("title_nb",)}


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(LogsMemberReads, admin.ModelAdmin):
    """Requests are handled on the staff pages (services send the e-mails); here they
    can be looked up, but not created or edited around the workflow."""

    list_display = ("id", "kind", "status", "member_number", "received_on", "due_on")
    list_filter = ("kind", "status", "channel")
    search_fields = ("member_number",)
    date_hierarchy = "received_on"
    raw_id_fields = ("member", "assigned_to")
    readonly_fields = (
        "member",
        "member_number",
        "kind",
        "status",
        "channel",
        "received_on",
        "due_on",
        "details",
        "payload",
        "assigned_to",
        "notes",
        "completed_at",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "member", "action", "view", "role")
    list_filter = ("action",)
    search_fields = ("member__member_number", "user__email")
    date_hierarchy = "at"
    list_select_related = ("user", "member")
    raw_id_fields = ("user", "member")

    def get_actions(self, request):
        # Not even the built-in bulk delete.
        return {}
