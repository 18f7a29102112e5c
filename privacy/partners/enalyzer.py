"""Enalyzer: member surveys, for members who said yes to surveys."""

from .base import MemberResourceAdapter


class EnalyzerAdapter(MemberResourceAdapter):
    slug = "enalyzer"
    resource = "/respondents"
    field_map = {
        "member_number": "externalId",
        "email": "email",
        "first_name": "firstName",
        "branch": "segmentBranch",
        "membership_type": "segmentMembershipType",
    }
