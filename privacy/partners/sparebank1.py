"""SpareBank 1: the insurance included in the membership (all active members)."""

from .base import MemberResourceAdapter


class SpareBank1Adapter(MemberResourceAdapter):
    slug = "sparebank1"
    resource = "/insured-members"
    field_map = {
        "member_number": "memberId",
        "first_name": "firstName",
        "last_name": "lastName",
        "birth_date": "dateOfBirth",
        "street": "addressLine",
        "postal_code": "postalCode",
        "city": "postalPlace",
        "country": "countryCode",
        "email": "email",
        "phone": "mobile",
        "membership_type": "membershipCategory",
        "status": "membershipStatus",
        "joined_union_on": "memberSince",
        "resigned_on": "memberUntil",
    }
