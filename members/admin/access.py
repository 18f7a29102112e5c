"""Every admin page that shows one member's data writes an access-log row, as the
register's own pages do: the change form, the change history and a single historical
version, for the member and for the records that belong to one member."""

from __future__ import annotations

from privacy.access_log import AccessAction, log_access


class LogsMemberReads:
    """Admin mixin. `member_field` names the path from the admin's model to the member
    ("pk" for the member admin itself, "member_id" for a payment or an order)."""

    member_field = "member_id"

    def _member_id(self, object_id) -> int | None:
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            return None
        if self.member_field == "pk":
            return pk if self.model.objects.filter(pk=pk).exists() else None
        return self.model.objects.filter(pk=pk).values_list(self.member_field, flat=True).first()

    def _log_read(self, request, object_id, page: str) -> None:
        member_id = self._member_id(object_id)
        if member_id is None:
            return
        from members.models import Member

        log_access(
            user=request.user,
            action=AccessAction.VIEW_MEMBER,
            member=Member(pk=member_id),
            view=f"admin:{self.model._meta.model_name}_{page}",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Logged once the page is allowed and rendered (a redirect after a save is not
        # a read; a refused page shows nothing).
        if object_id and response.status_code == 200:
            self._log_read(request, object_id, "change")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self._log_read(request, object_id, "history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200:
            self._log_read(request, object_id, "history_version")
        return response
