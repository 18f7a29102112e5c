"""The union's processing activities: what the notice and the record of processing
activities (GDPR Art. 30) are built from, together with the live `Recipient` rows,
the cookie declaration and the retention rule."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Members are erased this many years after they leave (the purge job's rule).
RETENTION_YEARS = getattr(settings, "MEMBER_RETENTION_YEARS", 3)

DATATILSYNET = {
    "name": "Datatilsynet",
    "url": "https://www.datatilsynet.no/",
    "address": "Postboks 458 Sentrum, 0105 Oslo",
}

ACTIVITIES = [
    {
        "name": _("Medlemsregister og medlemsadministrasjon"),
        "purpose": _(
            "Innmelding, utmelding, overføring, avdelings- og klubbtilhørighet, "
            "tillitsverv og kontakt med medlemmene."
        ),
        "subjects": _("Medlemmer og tidligere medlemmer"),
        "categories": _(
            "Navn, fødselsnummer, kontaktopplysninger, arbeidsgiver, medlemskap og "
            "tillitsverv. Fagforeningsmedlemskap er en særlig kategori (art. 9)."
        ),
        "basis": _("Art. 6 nr. 1 b (medlemsavtalen) og art. 9 nr. 2 d."),
        "retention": _("Til %(years)s år etter utmelding."),
    },
    {
        "name": _("Innmeldinger"),
        "purpose": _(
            "Behandle innmeldinger fra nettsiden: bekrefte e-postadressen, kontrollere "
            "opplysningene og registrere medlemskapet."
        ),
        "subjects": _("Personer som melder seg inn"),
        "categories": _(
            "Navn, fødselsnummer, kontaktopplysninger, arbeidsgiver, medlemskapstype, "
            "tidligere forbund og hvem som vervet."
        ),
        "basis": _("Art. 6 nr. 1 b (inngåelse av medlemsavtalen) og art. 9 nr. 2 d."),
        "retention": _(
            "Innmeldinger som ikke er bekreftet, slettes etter 30 dager; avslåtte og "
            "godkjente 90 dager etter behandlingen."
        ),
    },
    {
        "name": _("Kontingent og fagforeningsfradrag"),
        "purpose": _(
            "Beregne og kreve inn kontingent, motta innbetalinger (OCR), rapportere "
            "innbetalt kontingent til Skatteetaten."
        ),
        "subjects": _("Medlemmer"),
        "categories": _("Medlemsnummer, fødselsnummer, KID, innbetalinger, kontonummer."),
        "basis": _("Art. 6 nr. 1 b og c (skatteforvaltningsloven), art. 9 nr. 2 b og d."),
        "retention": _(
            "Til %(years)s år etter utmelding; bokføringspliktige opplysninger så lenge "
            "bokføringsloven krever."
        ),
    },
    {
        "name": _("Tillitsvalgtes tilgang (Klubbkontoret)"),
        "purpose": _(
            "Klubb- og avdelingstillitsvalgte ser medlemslister for egen klubb eller "
            "avdeling for å følge opp medlemmene."
        ),
        "subjects": _("Medlemmer, tillitsvalgte"),
        "categories": _("Navn, adresse, telefon, e-post, fødselsdato, medlemskap, tillitsverv."),
        "basis": _("Art. 6 nr. 1 b og art. 9 nr. 2 d."),
        "retention": _("Så lenge vervet varer; tilgangslogg til medlemmet slettes."),
    },
    {
        "name": _("Tilgangslogg og sikkerhet"),
        "purpose": _("Dokumentere hvem som har sett hvilke medlemsopplysninger, og når."),
        "subjects": _("Medlemmer, tillitsvalgte, ansatte"),
        "categories": _("Bruker, medlem, handling, tidspunkt."),
        "basis": _("Art. 6 nr. 1 c og f, art. 32."),
        "retention": _("Slettes sammen med medlemmet."),
    },
    {
        "name": _("Henvendelser om personvern"),
        "purpose": _("Behandle innsyn, retting, sletting, protest og utmelding."),
        "subjects": _("Medlemmer og tidligere medlemmer"),
        "categories": _("Navn, medlemsnummer, henvendelsens innhold."),
        "basis": _("Art. 6 nr. 1 c (personvernforordningen art. 12–22)."),
        "retention": _("Slettes sammen med medlemmet."),
    },
    {
        "name": _("Informasjonskapsler og nettstatistikk"),
        "purpose": _(
            "Nødvendig drift av nettstedet; statistikk og markedsføring bare etter samtykke."
        ),
        "subjects": _("Besøkende på nettstedet"),
        "categories": _("Informasjonskapsler, samtykke-ID og valg (ingen IP-adresse)."),
        "basis": _("Ekomloven § 3-15 og art. 6 nr. 1 a (samtykke)."),
        "retention": _("Se listen over informasjonskapsler."),
    },
    {
        "name": _("Anonym søkelogg"),
        "purpose": _("Forbedre informasjonssidene ut fra hva folk leter etter."),
        "subjects": _("Ingen (aggregert per dag, uten bruker, økt eller IP)"),
        "categories": _("Søkeord og antall per dag."),
        "basis": _("Ikke personopplysninger."),
        "retention": _("Ubegrenset (anonymt)."),
    },
]

SECURITY_MEASURES = [
    _("Fødselsnummer og kontonummer er kryptert i databasen."),
    _(
        "Tofaktorautentisering for tillitsvalgte og ansatte; utlogging etter 30 minutter "
        "uten aktivitet."
    ),
    _("Tilgang bare gjennom tildelte tilganger; hver visning av et medlem logges."),
    _("Samarbeidspartnere får bare feltene som er avtalt, over kryptert forbindelse."),
    _("Automatisk sletting tre år etter utmelding, med slettebevis uten personopplysninger."),
]


def activities() -> list[dict]:
    """The activities with the retention rule filled in."""
    return [
        {**a, "retention": str(a["retention"]) % {"years": RETENTION_YEARS}} for a in ACTIVITIES
    ]


# Names that are not fields of `Member` but that people read: what partners receive
# beyond the member row, and what members ask to have corrected. Everything else is
# labelled by the model field's verbose name, so a new field needs no entry here.
EXTRA_FIELD_LABELS = {
    "member_number": _("medlemsnummer"),
    "national_id": _("fødselsnummer"),
    "bank_account": _("kontonummer"),
    "name": _("navn"),
    "full_name": _("navn"),
    "position": _("tillitsverv"),
    "position_started_on": _("tillitsverv fra"),
    "union": _("forbund"),
    "union_id": _("forbund"),
    "other": _("noe annet"),
    "order": _("bestillingen (produkt, status, tidspunkt)"),
    "eligible": _("om du har rett på tilbudet"),
}


def field_label(name: str) -> str:
    """The label a person reads for a field name (the one mapping used by pages, PDFs,
    the notice and the JSON export's human-readable part). An unknown name is shown as
    a neutral placeholder, never as the internal name."""
    from django.core.exceptions import FieldDoesNotExist

    from members.models import Member

    if name in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name])
    lookup = name[:-3] if name.endswith("_id") else name
    try:
        return str(Member._meta.get_field(lookup).verbose_name)
    except FieldDoesNotExist:
        return str(_("annen opplysning"))


def field_labels(names: list[str]) -> list[str]:
    """Human labels for field names (for 'what each recipient receives')."""
    return [field_label(name) for name in names or []]
