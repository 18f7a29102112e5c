"""Yes/no questions about access. Which members a user sees is decided only by
`Member.objects.visible_to(user)`; these helpers answer what the user may open."""

from dataclasses import dataclass, field

from .models import AccessGrant, AccessLevel


@dataclass(frozen=True)
class Scope:
    """The access a user holds today, from their active grants."""

    central: bool = False
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    club_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_officer(self) -> bool:
        return bool(self.branch_ids or self.club_ids)

    @property
    def any(self) -> bool:
        return self.central or self.is_officer


def scope_for(user) -> Scope:
    """Return the user's scope, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    central = False
    branches: set[int] = set()
    clubs: set[int] = set()
    for level, branch_id, club_id in (
        AccessGrant.objects.active().filter(user=user).values_list("level", "branch_id", "club_id")
    ):
        if level == AccessLevel.CENTRAL:
            central = True
        elif level == AccessLevel.BRANCH:
            branches.add(branch_id)
        elif level == AccessLevel.CLUB:
            clubs.add(club_id)
    scope = Scope(
        central=central or user.is_superuser,
        branch_ids=frozenset(branches),
        club_ids=frozenset(clubs),
    )
    user._access_scope = scope
    return scope


def is_central_staff(user) -> bool:
    return scope_for(user).central


def is_officer(user) -> bool:
    return scope_for(user).is_officer


def needs_mfa(user) -> bool:
    """Officers and staff must use MFA; members need not."""
    return scope_for(user).any or getattr(user, "is_staff", False)
