"""Writing the access log: who read which member's data, when, through which view, and
how the reader's session logged in (BankID, TOTP, passkey …)."""

from contextvars import ContextVar

from .models import AccessAction, AccessLog

# Set per request by AuthMethodMiddleware, read by every row written in that request.
_auth_method: ContextVar[str] = ContextVar("access_log_auth_method", default="")


class AuthMethodMiddleware:
    """Remember how this request's session logged in, for the access-log rows it writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        method = ""
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            from clubs.permissions import session_auth_method

            method = session_auth_method(request)
        token = _auth_method.set(method)
        try:
            return self.get_response(request)
        finally:
            _auth_method.reset(token)


def describe_role(user) -> str:
    """Return a short description of the user's role for the log (e.g. 'club: X'): the
    grants read once per request with the user's scope (clubs.permissions.scope_for)."""
    from clubs.permissions import scope_for

    return scope_for(user).role if user is not None else ""


def role_display(role: str) -> str:
    """Return a stored role (see `describe_role`) in the reader's language."""
    from django.utils import translation
    from django.utils.translation import gettext

    from clubs.models import AccessLevel

    labels = {str(value): str(label) for value, label in AccessLevel.choices}
    labels["admin"] = gettext("Administrator")
    # Rows written before roles were keys hold a label in either language.
    for value, label in AccessLevel.choices:
        for language in ("nb", "en"):
            with translation.override(language):
                labels.setdefault(str(label), labels[str(value)])
    parts = []
    for part in (role or "").split("; "):
        key, sep, scope = part.partition(": ")
        parts.append(labels.get(key, key) + (sep + scope if sep else ""))
    return "; ".join(p for p in parts if p)


def log_access(*, user, action: str, member=None, view: str = "", detail: dict | None = None):
    """Append one row to the access log; returns it. `detail` must hold no national id."""
    return AccessLog.objects.create(
        user=user,
        member=member,
        action=action,
        view=view[:100],
        role=describe_role(user),
        detail=detail or {},
        auth_method=_auth_method.get(),
    )


def log_export(*, user, view: str, detail: dict, member_ids: list[int]) -> AccessLog:
    """Log an export: one row with its filter and count, and one row per member in it
    (pointing at that row), so each member's own access log shows the export. Returns
    the summary row."""
    role = describe_role(user)
    method = _auth_method.get()
    summary = AccessLog.objects.create(
        user=user,
        action=AccessAction.EXPORT,
        view=view[:100],
        role=role,
        detail=detail,
        auth_method=method,
    )
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
                member_id=member_id,
                action=AccessAction.EXPORT,
                view=view[:100],
                role=role,
                detail={"export": summary.pk, "format": detail.get("format", "")},
                at=summary.at,
                auth_method=method,
            )
            for member_id in member_ids
        ],
        batch_size=1000,
    )
    return summary


__all__ = ["AccessAction", "log_access", "log_export", "describe_role", "role_display"]
