from .permissions import scope_for

# The login whose member record was found, remembered in its session: a login keeps its
# membership (erasure ends the login with it), so only "no record yet" is asked again.
HAS_MEMBER_KEY = "nav_member_of"


def _has_member(request, user) -> bool:
    from members.models import Member

    cached = getattr(user, "_state", None) and user._state.fields_cache.get("member")
    if cached is not None:
        return True
    session = getattr(request, "session", None)
    if session is not None and session.get(HAS_MEMBER_KEY) == user.pk:
        return True
    found = Member.objects.filter(user=user).exists()
    if found and session is not None:
        session[HAS_MEMBER_KEY] = user.pk
    return found


def navigation(request):
    """Tell the base template which sections the user may open, and whether BankID
    login is offered."""
    from django.conf import settings

    user = getattr(request, "user", None)
    scope = scope_for(user) if user is not None else None
    if scope is None or not user.is_authenticated:
        return {"nav": {}, "bankid_enabled": settings.BANKID_ENABLED}
    return {
        "bankid_enabled": settings.BANKID_ENABLED,
        "nav": {
            # exists(), not user.member: the nav must not load (and decrypt) the record.
            "min_side": _has_member(request, user),
            "klubbkontoret": scope.is_officer,
            "register": scope.central,
            "statistikk": scope.central or bool(scope.branch_ids),
            "admin": user.is_staff,
        },
    }
