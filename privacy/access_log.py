"""Writing the access log: who read which member's data, when, and through which view."""

from .models import AccessAction, AccessLog


def describe_role(user) -> str:
    """Return a short description of the user's role for the log (e.g. 'Klubb: X')."""
    from clubs.models import AccessGrant

    grants = list(
        AccessGrant.objects.active().filter(user=user).select_related("club", "branch")[:3]
    )
    if not grants:
        return "Administrator" if user.is_superuser else ""
    parts = []
    for grant in grants:
        scope = grant.club or grant.branch
        parts.append(f"{grant.get_level_display()}{': ' + str(scope) if scope else ''}")
    return "; ".join(parts)[:100]


def log_access(*, user, action: str, member=None, view: str = "", detail: dict | None = None):
    """Append one row to the access log; returns it. `detail` must hold no national id."""
    return AccessLog.objects.create(
        user=user,
        member=member,
        action=action,
        view=view[:100],
        role=describe_role(user),
        detail=detail or {},
    )


def log_export(*, user, view: str, detail: dict, member_ids: list[int]) -> AccessLog:
    """Log an export: one row with its filter and count, and one row per member in it
    (pointing at that row), so each member's own access log shows the export. Returns
    the summary row."""
    role = describe_role(user)
    summary = AccessLog.objects.create(
        user=user, action=AccessAction.EXPORT, view=view[:100], role=role, detail=detail
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
            )
            for member_id in member_ids
        ],
        batch_size=1000,
    )
    return summary


__all__ = ["AccessAction", "log_access", "log_export", "describe_role"]
