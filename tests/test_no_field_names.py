"""No page shows a model field's internal name where a label belongs.

Every page of the URL matrix (tests/test_url_matrix.py), as every kind of user, is
parsed with html.parser; its visible text (attributes, scripts and styles left out)
must not contain a snake_case field name of the register's main models, such as
"birth_date", "position_started_on" or "membership_type"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clubs.models import Position
from members.models import Member, Order
from tests.conftest import mark_mfa_authenticated
from tests.test_url_matrix import ALL_CASES, ROLES, world  # noqa: F401 (fixture)
from tests.visible import visible_text

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def field_names() -> set[str]:
    """The snake_case names (and column names) of Member's, Position's and Order's
    fields: the ones that must never be read on a page."""
    names = set()
    for model in (Member, Position, Order):
        for field in model._meta.get_fields():
            for name in (field.name, getattr(field, "attname", "")):
                if name and "_" in name:
                    names.add(name)
    return names


def leaked_names(html: str, names: set[str]) -> set[str]:
    """The field names found in the visible text of `html`."""
    return {word for part in visible_text(html) for word in SNAKE.findall(part)} & names


def test_leaked_names_reads_text_not_attributes():
    names = {"birth_date"}
    assert leaked_names('<input name="birth_date" id="id_birth_date">', names) == set()
    assert leaked_names("<p>Endret birth_date</p>", names) == {"birth_date"}
    assert leaked_names("<script>var birth_date;</script><p>Fødselsdato</p>", names) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_field_name_as_text(role, world, request):  # noqa: F811
    client = Client()
    if role != "anonymous":
        user = request.getfixturevalue(role)
        client.force_login(user, backend="config.auth_backends.ModelBackend")
        mark_mfa_authenticated(client, user)
    names = field_names()
    found = []
    checked = 0
    for case in ALL_CASES:
        if case.method != "get" or case.expected[role] != 200:
            continue
        target = case.url(world)
        response = client.get(target)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        leaked = leaked_names(response.content.decode(), names)
        if leaked:
            found.append(f"{target}: {', '.join(sorted(leaked))}")
    assert checked >= 5, f"only {checked} pages checked as {role}"
    assert not found, f"as {role}:\n" + "\n".join(found)
