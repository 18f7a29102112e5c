"""The member admin: list, search by keyed hash, inlines, masked history and the
actions (resign, change type, transfer), all through members.services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from clubs.models import Position
from members import services
from members.crypto import keyed_hash
from members.models import (
    BenefitEnrolment,
    BenefitReservation,
    Member,
    Order,
    Payment,
    PreviousMembership,
)
from members.validators import (
    mask_bank_account,
    mask_national_id,
)

from .access import LogsMemberReads
from .forms import (
    HASH_TERM,
    ChangeTypeForm,
    DateForm,
    MemberAdminForm,
    ResignForm,
    TransferForm,
    national_id_term,
)


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """Shows changes of national id and bank account masked in the history view."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "national_id":
            return mask_national_id(value)
        if change.field == "bank_account":
            return mask_bank_account(value)
        return super().prepare_delta_change_value(change, value)


class PositionInline(admin.TabularInline):
    model = Position
    fk_name = "member"
    fields = ("title", "club", "branch", "started_on", "ended_on")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("tillitsverv (endres under Tillitsverv)")

    def has_add_permission(self, request, obj=None):
        # Positions start and end through the services (Tillitsverv in the admin).
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("club", "branch")


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ("period", "kind", "amount_ore", "paid_on", "source", "kid")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-period",)

    def has_add_permission(self, request, obj=None):
        return False


class PreviousMembershipInline(admin.TabularInline):
    model = PreviousMembership
    fields = ("union", "from_date", "to_date")
    raw_id_fields = ("union",)
    extra = 0


class BenefitEnrolmentInline(admin.TabularInline):
    model = BenefitEnrolment
    fields = ("benefit", "enrolled_on", "ended_on")
    raw_id_fields = ("benefit",)
    extra = 0


class BenefitReservationInline(admin.TabularInline):
    model = BenefitReservation
    fields = ("benefit", "reserved_on", "note")
    raw_id_fields = ("benefit",)
    extra = 0


class OrderInline(admin.TabularInline):
    model = Order
    fields = ("product", "status", "ordered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


@admin.register(Member)
class MemberAdmin(LogsMemberReads, SimpleHistoryAdmin):
    member_field = "pk"
    form = MemberAdminForm
    list_display = (
        "member_number",
        "last_name",
        "first_name",
        "masked_national_id",
        "status",
        "membership_type",
        "branch",
        "club",
    )
    list_display_links = ("member_number", "last_name")
    list_select_related = ("branch", "club")
    list_filter = ("status", "membership_type", "branch", "club", "resignation_reason")
    list_per_page = 50
    show_full_result_count = False
    # get_search_results decides how to search; search_fields only turns the box on.
    search_fields = ("last_name",)
    search_help_text = _(
        "Søk på navn, medlemsnummer, e-post, telefon eller fullt fødselsnummer/D-nummer."
    )
    raw_id_fields = ("branch", "club", "employer", "recruited_by", "user")
    readonly_fields = (
        "member_number",
        "kid",
        "masked_national_id",
        "birth_date",
        "masked_bank_account",
        "status",
        "resigned_on",
        "resignation_reason",
        "resignation_union",
        "recruits_list",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("member_number", "kid"),
                    ("first_name", "last_name"),
                    ("masked_national_id", "birth_date"),
                    "national_id_input",
                )
            },
        ),
        (
            _("Kontakt"),
            {"fields": ("street", ("postal_code", "city"), "country", "phone", "email")},
        ),
        (
            _("Medlemskap"),
            {
                "fields": (
                    ("membership_type", "status"),
                    ("joined_lo_on", "joined_union_on", "joined_branch_on"),
                    ("branch", "club"),
                    "employer",
                    "recruited_by",
                    "recruits_list",
                    ("resigned_on", "resignation_reason", "resignation_union"),
                )
            },
        ),
        (
            _("Betaling"),
            {"fields": ("masked_bank_account", "bank_account_input", "clear_bank_account")},
        ),
        (
            _("Kommunikasjon"),
            {
                "fields": (
                    ("allow_email", "allow_sms"),
                    ("newsletter", "magazine", "surveys"),
                    "benefits_marketing_reserved",
                )
            },
        ),
        (_("Innlogging"), {"fields": ("user", ("created_at", "updated_at"))}),
    )
    add_fieldsets = (
        (
            None,
            {"fields": (("first_name", "last_name"), "national_id_input")},
        ),
        (
            _("Kontakt"),
            {"fields": ("street", ("postal_code", "city"), "country", "phone", "email")},
        ),
        (
            _("Medlemskap"),
            {
                "fields": (
                    "membership_type",
                    ("joined_lo_on", "joined_union_on", "joined_branch_on"),
                    ("branch", "club"),
                    "employer",
                    "recruited_by",
                )
            },
        ),
        (_("Betaling"), {"fields": ("bank_account_input",)}),
    )
    inlines = (
        PositionInline,
        PreviousMembershipInline,
        BenefitEnrolmentInline,
        BenefitReservationInline,
        PaymentInline,
        OrderInline,
    )
    actions = (
        "resign_members",
        "strike_off_members",
        "record_death",
        "rejoin_members",
        "change_type",
        "transfer_members",
    )

    # --- display -----------------------------------------------------------------

    @admin.display(description=_("fødselsnummer"))
    def masked_national_id(self, obj: Member) -> str:
        return obj.national_id_masked

    @admin.display(description=_("kontonummer"))
    def masked_bank_account(self, obj: Member) -> str:
        return obj.bank_account_masked or "–"

    @admin.display(description=_("KID"))
    def kid(self, obj: Member) -> str:
        return obj.kid if obj.member_number else "–"

    @admin.display(description=_("har vervet"))
    def recruits_list(self, obj: Member) -> str:
        recruits = list(obj.recruits.only("first_name", "last_name", "member_number")[:20])
        return ", ".join(str(r) for r in recruits) or "–"

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return () if obj is None else self.inlines

    # --- search ------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        # The national-id lookup form is POSTed so the number never enters a URL; it
        # continues as a search for the keyed hash.
        if request.method == "POST" and "national_id_lookup" in request.POST:
            digits = national_id_term(request.POST.get("national_id_lookup", ""))
            if not digits:
                self.message_user(
                    request,
                    _("Skriv et fødselsnummer eller D-nummer med 11 siffer."),
                    level="error",
                )
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(
                f"{request.path}?{urlencode({'q': f'fnr:{keyed_hash(digits)}'})}"
            )
        digits = national_id_term(request.GET.get("q", ""))
        if digits:
            params = request.GET.copy()
            params["q"] = f"fnr:{keyed_hash(digits)}"
            return HttpResponseRedirect(f"{request.path}?{urlencode(list(params.items()))}")
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        hashed = HASH_TERM.match(term)
        if hashed:
            return queryset.filter(national_id_hash=hashed.group(1)), False
        digits = national_id_term(term)
        if digits:
            return queryset.filter(national_id_hash=keyed_hash(digits)), False
        return queryset.search(term), False

    # --- writes go through the services --------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.service_data()
            data.pop("national_id", None)
            for required in ("first_name", "last_name", "branch", "joined_union_on"):
                data.pop(required, None)
            created = services.member_create(
                by=request.user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                national_id=form.cleaned_data["national_id_input"],
                branch=form.cleaned_data["branch"],
                joined_union_on=form.cleaned_data["joined_union_on"],
                **data,
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        # The form has already written its values onto `obj`; the service compares
        # against the stored row so it sees (and records) the real change.
        stored = Member.objects.get(pk=obj.pk)
        services.member_update_profile(member=stored, by=request.user, data=form.service_data())
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # Members are removed by the erasure job (privacy), which keeps the evidence the
        # law asks for; a plain delete would not.
        return False

    # --- history -----------------------------------------------------------------

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- actions with a confirmation page ---------------------------------------------

    def _confirm_and_run(self, request, queryset, *, form_class, title, run):
        """Show `form_class` with the chosen members; on submit run `run(member, data)`
        for each (one transaction each) and report what succeeded and what did not."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                done, failed = 0, []
                for member in queryset.select_related("club", "branch"):
                    try:
                        run(member, form.cleaned_data)
                        done += 1
                    except ValidationError as error:
                        failed.append(f"{member}: {' '.join(error.messages)}")
                if done:
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d medlem er oppdatert.", "%(n)d medlemmer er oppdatert.", done
                        )
                        % {"n": done},
                        messages.SUCCESS,
                    )
                for line in failed:
                    self.message_user(request, line, messages.ERROR)
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "members": queryset.select_related(None).only(
                "first_name", "last_name", "member_number"
            )[:200],
            "count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
        }
        return TemplateResponse(request, "admin/members/member/action_confirm.html", context)

    @admin.action(description=_("Meld ut valgte medlemmer"), permissions=["change"])
    def resign_members(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=ResignForm,
            title=_("Meld ut medlemmer"),
            run=lambda m, d: services.member_resign(
                member=m, by=request.user, on=d["on"], reason=d["reason"], union=d["union"]
            ),
        )

    @admin.action(
        description=_("Stryk valgte medlemmer for manglende betaling"), permissions=["change"]
    )
    def strike_off_members(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=DateForm,
            title=_("Stryk medlemmer for manglende betaling"),
            run=lambda m, d: services.member_strike_off(member=m, by=request.user, on=d["on"]),
        )

    @admin.action(description=_("Registrer dødsfall"), permissions=["change"])
    def record_death(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=DateForm,
            title=_("Registrer dødsfall"),
            run=lambda m, d: services.member_record_death(member=m, by=request.user, on=d["on"]),
        )

    @admin.action(description=_("Meld inn igjen valgte medlemmer"), permissions=["change"])
    def rejoin_members(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=DateForm,
            title=_("Meld inn igjen"),
            run=lambda m, d: services.member_rejoin(member=m, by=request.user, on=d["on"]),
        )

    @admin.action(description=_("Endre medlemskapstype"), permissions=["change"])
    def change_type(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=ChangeTypeForm,
            title=_("Endre medlemskapstype"),
            run=lambda m, d: services.member_change_type(
                member=m, by=request.user, membership_type=d["membership_type"]
            ),
        )

    @admin.action(description=_("Flytt til annen avdeling eller klubb"), permissions=["change"])
    def transfer_members(self, request, queryset):
        return self._confirm_and_run(
            request,
            queryset,
            form_class=TransferForm,
            title=_("Flytt medlemmer"),
            run=lambda m, d: services.member_transfer(
                member=m, by=request.user, branch=d["branch"], club=d["club"], on=d["on"]
            ),
        )
