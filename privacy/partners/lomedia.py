"""LO Media: the magazine's e-mail newsletter."""

from .base import MemberResourceAdapter


class LOMediaAdapter(MemberResourceAdapter):
    slug = "lomedia"
    resource = "/subscribers"
    field_map = {
        "member_number": "externalId",
        "first_name": "firstName",
        "last_name": "lastName",
        "email": "email",
        "newsletter": "newsletter",
        "magazine": "magazineFormat",
    }
