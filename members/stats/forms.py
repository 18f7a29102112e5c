"""The dashboard's filter form: branch, membership type and period, read from GET."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import MembershipType

from .filters import DEFAULT_MONTHS, PERIOD_CHOICES, Filters

# Lazy: the choices are built once at import, the label in the language of each request.
_period_label = lazy(lambda n: _("Siste %(n)s måneder") % {"n": n}, str)


class StatsFilterForm(forms.Form):
    branch = forms.TypedChoiceField(
        label=gettext_lazy("Avdeling"), required=False, coerce=int, empty_value=None
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Medlemskapstype"),
        required=False,
        choices=[("", gettext_lazy("Alle typer"))] + list(MembershipType.choices),
    )
    months = forms.TypedChoiceField(
        label=gettext_lazy("Periode"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_MONTHS,
        choices=[(str(n), _period_label(n)) for n in PERIOD_CHOICES],
        initial=str(DEFAULT_MONTHS),
    )

    def __init__(self, *args, branches, central: bool, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("Alle avdelinger") if central else _("Alle mine avdelinger")
        self.fields["branch"].choices = [("", everything)] + [
            (str(pk), str(branch)) for pk, branch in branches.items()
        ]
        if not central and len(branches) < 2:
            del self.fields["branch"]

    def filters(self) -> Filters:
        """The valid filters; a field with a value outside the choices (such as another
        branch's id) falls back to its default rather than widening anything."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # only the fields that were valid
        return Filters(
            branch_id=data.get("branch"),
            membership_type=data.get("type") or "",
            months=data.get("months") or DEFAULT_MONTHS,
            today=timezone.localdate(),
        )
