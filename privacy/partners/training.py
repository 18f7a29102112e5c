"""The training platform: new club-level officers get access to the courses."""

from .base import MemberResourceAdapter


class TrainingAdapter(MemberResourceAdapter):
    slug = "training"
    resource = "/participants"
    field_map = {
        "member_number": "externalId",
        "first_name": "firstName",
        "last_name": "lastName",
        "email": "email",
        "phone": "phone",
        "club": "club",
        "position": "role",
        "position_started_on": "roleSince",
    }
