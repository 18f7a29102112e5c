from .permissions import scope_for


def navigation(request):
    """Tell the base template which sections the user may open."""
    user = getattr(request, "user", None)
    scope = scope_for(user) if user is not None else None
    if scope is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "min_side": hasattr(user, "member"),
            "klubbkontoret": scope.is_officer,
            "register": scope.central,
            "statistikk": scope.central or bool(scope.branch_ids),
            "admin": user.is_staff,
        }
    }
