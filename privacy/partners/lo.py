"""LO, the confederation: its member register covers every active member."""

from .base import MemberResourceAdapter


class LOAdapter(MemberResourceAdapter):
    slug = "lo"
    resource = "/forbund/medlemmer"
    field_map = {
        "member_number": "medlemsnummer",
        "first_name": "fornavn",
        "last_name": "etternavn",
        "birth_date": "fodselsdato",
        "street": "adresse",
        "postal_code": "postnummer",
        "city": "poststed",
        "country": "land",
        "membership_type": "medlemstype",
        "status": "status",
        "joined_lo_on": "innmeldt_lo",
        "joined_union_on": "innmeldt_forbund",
        "resigned_on": "utmeldt",
        "branch": "avdeling",
        "employer": "arbeidsgiver_orgnr",
    }
