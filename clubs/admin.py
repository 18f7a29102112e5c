"""Django admin for the organisation: branches, employers, clubs, positions and the
access grants that are the only source of access to member data."""

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from members.admin.access import LogsMemberReads

from .models import AccessGrant, Branch, Club, Employer, Position, SecondFactor


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    search_fields = ("name", "=number")
    ordering = ("number",)


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ("name", "org_number", "contact_name", "contact_email")
    search_fields = ("name", "=org_number")
    fields = ("name", "org_number", "contact_name", "contact_email")


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "employer")
    list_select_related = ("branch", "employer")
    list_filter = ("branch",)
    search_fields = ("name", "employer__name", "=employer__org_number")
    raw_id_fields = ("branch", "employer")


class CurrentFilter(admin.SimpleListFilter):
    title = _("gjeldende")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return (("yes", _("Gjeldende")), ("no", _("Avsluttet eller fremtidig")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        in_force = Q(**{self.start_field + "__lte": today}) & (
            Q(**{self.end_field + "__isnull": True}) | Q(**{self.end_field + "__gte": today})
        )
        if self.value() == "yes":
            return queryset.filter(in_force)
        if self.value() == "no":
            return queryset.exclude(in_force)
        return queryset


class CurrentPositionFilter(CurrentFilter):
    start_field, end_field = "started_on", "ended_on"


class ActiveGrantFilter(CurrentFilter):
    title = _("aktiv")
    parameter_name = "active"
    start_field, end_field = "valid_from", "valid_to"


class PositionAdminForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ("member", "title", "club", "branch", "started_on", "ended_on")

    def clean(self):
        # The same rules as members.services.position_start, checked here so the admin
        # shows them on the form instead of failing on save.
        cleaned = super().clean()
        member = cleaned.get("member")
        if self.instance.pk is None and member is not None:
            if member.status != "active":
                self.add_error("member", _("Bare aktive medlemmer kan ha tillitsverv."))
            club, branch = cleaned.get("club"), cleaned.get("branch")
            if club is not None and club.pk != member.club_id:
                self.add_error("club", _("Medlemmet er ikke med i denne klubben."))
            if branch is not None and branch.pk != member.branch_id:
                self.add_error("branch", _("Medlemmet hører ikke til denne avdelingen."))
        return cleaned


@admin.register(Position)
class PositionAdmin(LogsMemberReads, SimpleHistoryAdmin):
    """A position's page shows its holder: reading it is a read of that member."""

    form = PositionAdminForm
    list_display = ("member", "title", "club", "branch", "started_on", "ended_on")
    list_select_related = ("member", "club", "branch")
    list_filter = ("title", CurrentPositionFilter, "branch")
    search_fields = ("member__last_name", "member__first_name", "=member__member_number")
    raw_id_fields = ("member", "club", "branch")
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # Who holds the position and where is fixed once it exists: a new position
        # is a new row, so the history of each stays readable.
        if obj is None:
            return ()
        return ("member", "title", "club", "branch", "started_on")

    def save_model(self, request, obj, form, change):
        from members import services

        if not change:
            created = services.position_start(
                member=obj.member,
                by=request.user,
                title=obj.title,
                club=obj.club,
                branch=obj.branch,
                started_on=obj.started_on,
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        if "ended_on" in form.changed_data and obj.ended_on:
            stored = Position.objects.get(pk=obj.pk)
            services.position_end(position=stored, by=request.user, ended_on=obj.ended_on)
            return
        super().save_model(request, obj, form, change)


@admin.register(AccessGrant)
class AccessGrantAdmin(SimpleHistoryAdmin):
    list_display = ("user", "level", "branch", "club", "valid_from", "valid_to", "note")
    list_select_related = ("user", "branch", "club")
    list_filter = ("level", ActiveGrantFilter, "branch")
    search_fields = ("user__email", "user__username", "club__name", "branch__name", "note")
    raw_id_fields = ("user", "branch", "club")
    fields = ("user", "level", "branch", "club", "valid_from", "valid_to", "note")


# allauth's admin shows an authenticator's data, which holds the (encrypted) TOTP secret
# and recovery-code seed. Nobody needs to read those: show when and what, not the data.
admin.site.unregister(Authenticator)

TWO_FACTOR_TYPES = {
    Authenticator.Type.TOTP: _("Autentiseringsapp (TOTP)"),
    Authenticator.Type.RECOVERY_CODES: _("Gjenopprettingskoder"),
    "webauthn": _("Passnøkkel"),
}


@admin.register(SecondFactor)
class AuthenticatorAdmin(admin.ModelAdmin):
    """allauth's authenticators through a proxy with Norwegian names; columns labelled
    here, since allauth's fields have no verbose names."""

    list_display = ("who", "kind", "created", "last_used")
    list_filter = ("type",)
    fields = ("who", "kind", "created", "last_used")
    readonly_fields = ("who", "kind", "created", "last_used")
    list_select_related = ("user",)

    @admin.display(description=_("Bruker"), ordering="user__email")
    def who(self, obj) -> str:
        return str(obj.user)

    @admin.display(description=_("Type"), ordering="type")
    def kind(self, obj) -> str:
        return str(TWO_FACTOR_TYPES.get(obj.type, obj.type))

    @admin.display(description=_("Opprettet"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("Sist brukt"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request) -> bool:
        # Authenticators are set up by their owner through the MFA pages, never here.
        return False
