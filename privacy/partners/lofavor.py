"""LOfavør: member benefits, for members who have not reserved themselves."""

from .base import MemberResourceAdapter


class LOfavorAdapter(MemberResourceAdapter):
    slug = "lofavor"
    resource = "/medlemmer"
    field_map = {
        "member_number": "medlemsnummer",
        "first_name": "fornavn",
        "last_name": "etternavn",
        "street": "adresse",
        "postal_code": "postnummer",
        "city": "poststed",
        "country": "land",
        "email": "epost",
        "phone": "mobil",
        "status": "status",
    }
