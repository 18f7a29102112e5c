"""The demo's reference data: logins, branches and places, industries, unions,
benefits, products, partners, dues rates and the mix of member types and positions."""

from __future__ import annotations

from clubs.models import PositionTitle
from members.models import (
    Member,
    MembershipType,
    MemberStatus,
    ProductKind,
    ResignationReason,
)

DEMO_PASSWORD = "demo-passord-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_CLUB_SIZE = 40
DEMO_LOGINS = (
    "admin@example.org",
    "sentral@example.org",
    "avdeling@example.org",
    "klubb@example.org",
    "medlem@example.org",
)

# (number, name, [(postal code, city), …]) — real places, so addresses look right.
BRANCHES = [
    (1, "Oslo og Akershus", [("0150", "Oslo"), ("0557", "Oslo"), ("1337", "Sandvika")]),
    (2, "Østfold", [("1606", "Fredrikstad"), ("1707", "Sarpsborg"), ("1530", "Moss")]),
    (3, "Vestfold", [("3110", "Tønsberg"), ("3256", "Larvik"), ("3210", "Sandefjord")]),
    (4, "Grenland", [("3717", "Skien"), ("3921", "Porsgrunn"), ("3960", "Stathelle")]),
    (5, "Buskerud", [("3015", "Drammen"), ("3611", "Kongsberg"), ("3510", "Hønefoss")]),
    (6, "Innlandet", [("2317", "Hamar"), ("2815", "Gjøvik"), ("2609", "Lillehammer")]),
    (7, "Agder", [("4610", "Kristiansand"), ("4836", "Arendal"), ("4515", "Mandal")]),
    (8, "Sør-Rogaland", [("4006", "Stavanger"), ("4307", "Sandnes"), ("4056", "Tananger")]),
    (9, "Haugaland", [("5527", "Haugesund"), ("4250", "Kopervik"), ("5501", "Haugesund")]),
    (10, "Bergen", [("5003", "Bergen"), ("5089", "Bergen"), ("5141", "Fyllingsdalen")]),
    (11, "Mongstad og Nordhordland", [("5954", "Mongstad"), ("5914", "Isdalstø")]),
    (12, "Sogn og Fjordane", [("6856", "Sogndal"), ("6900", "Florø"), ("5750", "Odda")]),
    (13, "Sunnmøre", [("6002", "Ålesund"), ("6100", "Volda"), ("6150", "Ørsta")]),
    (14, "Nordmøre og Romsdal", [("6413", "Molde"), ("6509", "Kristiansund")]),
    (15, "Trøndelag", [("7011", "Trondheim"), ("7600", "Levanger"), ("7725", "Steinkjer")]),
    (16, "Helgeland", [("8622", "Mo i Rana"), ("8800", "Sandnessjøen"), ("8656", "Mosjøen")]),
    (17, "Salten og Lofoten", [("8006", "Bodø"), ("8300", "Svolvær"), ("8200", "Fauske")]),
    (18, "Troms", [("9008", "Tromsø"), ("9405", "Harstad"), ("9300", "Finnsnes")]),
    (19, "Finnmark", [("9600", "Hammerfest"), ("9900", "Kirkenes"), ("9510", "Alta")]),
    (20, "Sokkel (offshore)", [("4056", "Tananger"), ("5335", "Hjelteryggen")]),
]

INDUSTRIES = [
    "Raffineri",
    "Prosessindustri",
    "Kjemi",
    "Aluminium",
    "Energi",
    "Offshore",
    "Boreservice",
    "Plast",
    "Farmasi",
    "Papir",
    "Smelteverk",
    "Gass",
]

LO_UNIONS = [
    "Fellesforbundet",
    "Fagforbundet",
    "EL og IT Forbundet",
    "Norsk Nærings- og Nytelsesmiddelarbeiderforbund",
    "Handel og Kontor i Norge",
    "Norsk Transportarbeiderforbund",
    "Norsk Arbeidsmandsforbund",
    "Forbundet for Ledelse og Teknikk",
    "Fellesorganisasjonen",
    "Norsk Jernbaneforbund",
]
OTHER_UNIONS = ["Tekna", "Lederne", "Parat", "Negotia", "NITO", "SAFE"]

BENEFITS = [
    ("Kollektiv hjemforsikring", "SpareBank 1 Forsikring"),
    ("Grunnforsikring", "SpareBank 1 Forsikring"),
    ("Juridisk bistand i arbeidsforhold", "Forbundet"),
    ("LOfavør strømavtale", "LOfavør"),
    ("Rabatt på feriehytter", "LOfavør"),
]

PRODUCTS = [
    ("Reiseforsikring", ProductKind.INSURANCE, "sparebank1", 19900, "per måned"),
    ("Bilforsikring", ProductKind.INSURANCE, "sparebank1", 42500, "per måned"),
    ("Ulykkesforsikring", ProductKind.INSURANCE, "sparebank1", 8900, "per måned"),
    ("Livsforsikring", ProductKind.INSURANCE, "sparebank1", 12900, "per måned"),
    ("Juridisk rådgivning privat", ProductKind.SERVICE, "lofavor", 0, ""),
    ("Boliglån med medlemsrente", ProductKind.SERVICE, "sparebank1", 0, ""),
    ("Strømavtale", ProductKind.SERVICE, "lofavor", 3900, "per måned"),
]
RECIPIENT_DEFAULTS = {
    "sparebank1": {
        "name": "SpareBank 1 Forsikring",
        "purpose_nb": "Forsikringer som inngår i medlemskapet og tilleggsforsikringer.",
        "purpose_en": "Insurance included in the membership and additional insurance.",
        "legal_basis_nb": "Avtale (medlemskapet), GDPR art. 6 nr. 1 b.",
        "legal_basis_en": "Contract (membership), GDPR art. 6(1)(b).",
        "role": "controller",
        "rule": "orders",
        "fields": ["member_number", "first_name", "last_name", "national_id"],
    },
    "lofavor": {
        "name": "LOfavør",
        "purpose_nb": "Medlemsfordeler og tjenester.",
        "purpose_en": "Member benefits and services.",
        "legal_basis_nb": "Avtale (medlemskapet), GDPR art. 6 nr. 1 b.",
        "legal_basis_en": "Contract (membership), GDPR art. 6(1)(b).",
        "role": "controller",
        "rule": "orders",
        "fields": ["member_number", "first_name", "last_name", "email"],
    },
}

# Dues per year: (percent, monthly cap kr, legal aid kr) for ordinary members and flat
# monthly amounts (kr) for the others.
ORDINARY_RATES = {2023: (1.30, 520, 59), 2024: (1.30, 545, 59), 2025: (1.30, 575, 59),
                  2026: (1.30, 595, 61)}  # fmt: skip
FLAT_RATES = {
    MembershipType.STUDENT: 30,
    MembershipType.APPRENTICE: 90,
    MembershipType.PENSIONER: 60,
    MembershipType.UNEMPLOYED: 0,
    MembershipType.DISABLED: 60,
}
TAX_CAPS = {2023: 7_700, 2024: 8_000, 2025: 8_250, 2026: 8_700}

# (type, weight, born from, born to)
TYPES = [
    (MembershipType.ORDINARY, 75, 1960, 2004),
    (MembershipType.APPRENTICE, 6, 2005, 2009),
    (MembershipType.STUDENT, 5, 1998, 2006),
    (MembershipType.PENSIONER, 9, 1940, 1958),
    (MembershipType.UNEMPLOYED, 2, 1965, 2000),
    (MembershipType.DISABLED, 3, 1960, 1995),
]
REASONS = [
    (ResignationReason.RESIGNED, 50),
    (ResignationReason.TRANSFER_LO, 15),
    (ResignationReason.TRANSFER_OTHER, 10),
    (ResignationReason.STRUCK_OFF, 20),
    (ResignationReason.DECEASED, 5),
]
STATUS_FOR = {
    ResignationReason.RESIGNED: MemberStatus.RESIGNED,
    ResignationReason.TRANSFER_LO: MemberStatus.TRANSFERRED,
    ResignationReason.TRANSFER_OTHER: MemberStatus.TRANSFERRED,
    ResignationReason.STRUCK_OFF: MemberStatus.STRUCK_OFF,
    ResignationReason.DECEASED: MemberStatus.DECEASED,
}
CLUB_TITLES = [
    PositionTitle.KLUBBLEDER,
    PositionTitle.NESTLEDER,
    PositionTitle.SEKRETAER,
    PositionTitle.KASSERER,
    PositionTitle.VERNEOMBUD,
    PositionTitle.HOVEDTILLITSVALGT,
    PositionTitle.UNGDOMSTILLITSVALGT,
]
BRANCH_TITLES = [
    PositionTitle.STYREMEDLEM,
    PositionTitle.STYREMEDLEM,
    PositionTitle.STYREMEDLEM,
    PositionTitle.HOVEDVERNEOMBUD,
]

MEMBER_COLUMNS = [
    f.column for f in Member._meta.concrete_fields
]  # the order the COPY rows are built in
