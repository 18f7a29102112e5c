from django.db import migrations

# The recipients named in the privacy notice: what each gets, why, and on what basis.
# No partner gets a national id or a bank account.
RECIPIENTS = [
    {
        "slug": "sparebank1",
        "name": "SpareBank 1 Forsikring",
        "role": "controller",
        "rule": "all_active",
        "fields": [
            "member_number", "first_name", "last_name", "birth_date", "street",
            "postal_code", "city", "country", "email", "phone", "membership_type",
            "status", "joined_union_on", "resigned_on",
        ],
        "purpose_nb": "Forsikringene som er inkludert i medlemskapet (kollektiv hjem- og "
        "innboforsikring m.m.). Forsikringsselskapet trenger å vite hvem som er medlem, og "
        "når medlemskapet starter og slutter.",
        "purpose_en": "The insurance included in the membership (collective home and contents "
        "insurance etc.). The insurer needs to know who is a member, and when the "
        "membership starts and ends.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 b (medlemsavtalen) og art. 9 nr. 2 d "
        "(fagforeningens berettigede aktiviteter overfor egne medlemmer).",
        "legal_basis_en": "GDPR Art. 6(1)(b) (the membership agreement) and Art. 9(2)(d) "
        "(legitimate activities of a trade union towards its members).",
    },
    {
        "slug": "lofavor",
        "name": "LOfavør",
        "role": "controller",
        "rule": "not_reserved",
        "fields": [
            "member_number", "first_name", "last_name", "street", "postal_code", "city",
            "country", "email", "phone", "status",
        ],
        "purpose_nb": "Medlemsfordeler gjennom LOfavør (bank, forsikring, rabatter). Gjelder "
        "ikke medlemmer som har reservert seg mot markedsføring av medlemsfordeler.",
        "purpose_en": "Member benefits through LOfavør (banking, insurance, discounts). Not "
        "for members who have opted out of marketing of member benefits.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 f (berettiget interesse i å gi medlemmene "
        "fordelene medlemskapet gir) og art. 9 nr. 2 d; medlemmet kan reservere seg.",
        "legal_basis_en": "GDPR Art. 6(1)(f) (legitimate interest in giving members the "
        "benefits of membership) and Art. 9(2)(d); the member may opt out.",
    },
    {
        "slug": "lo",
        "name": "Landsorganisasjonen i Norge (LO)",
        "role": "controller",
        "rule": "all_active",
        "fields": [
            "member_number", "first_name", "last_name", "birth_date", "street",
            "postal_code", "city", "country", "membership_type", "status", "joined_lo_on",
            "joined_union_on", "resigned_on", "branch", "employer",
        ],
        "purpose_nb": "LOs medlemsregister: medlemskap i forbundet er også medlemskap i LO, "
        "og LO trenger registeret til medlemsfordeler, statistikk og LOs vedtekter.",
        "purpose_en": "LO's member register: membership of the union is also membership of "
        "LO, which needs the register for benefits, statistics and its statutes.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 b (medlemsavtalen og vedtektene) og art. 9 nr. 2 d.",
        "legal_basis_en": "GDPR Art. 6(1)(b) (the membership agreement and the statutes) and "
        "Art. 9(2)(d).",
    },
    {
        "slug": "mailchimp",
        "name": "Mailchimp (Intuit)",
        "role": "processor",
        "rule": "email_consent",
        "fields": [
            "member_number", "email", "first_name", "last_name", "branch", "club",
            "membership_type",
        ],
        "purpose_nb": "Utsending av e-post til medlemmer og tillitsvalgte. Bare medlemmer som "
        "har sagt ja til e-post fra forbundet.",
        "purpose_en": "Sending e-mail to members and union officers. Only members who have "
        "said yes to e-mail from the union.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 a og art. 9 nr. 2 a (samtykke, kan trekkes når "
        "som helst på Min side). Databehandleravtale og EUs standardkontrakter (USA).",
        "legal_basis_en": "GDPR Art. 6(1)(a) and Art. 9(2)(a) (consent, which can be withdrawn "
        "at any time on Min side). Data processing agreement and EU standard contractual "
        "clauses (USA).",
        "country": "USA",
    },
    {
        "slug": "lomedia",
        "name": "LO Media",
        "role": "processor",
        "rule": "newsletter",
        "fields": ["member_number", "first_name", "last_name", "email", "newsletter", "magazine"],
        "purpose_nb": "Nyhetsbrevet og den digitale utgaven av medlemsbladet, for medlemmer som "
        "har bedt om nyhetsbrev eller digitalt blad.",
        "purpose_en": "The newsletter and the digital edition of the members' magazine, for "
        "members who asked for the newsletter or the digital magazine.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 a og art. 9 nr. 2 a (medlemmets eget valg på Min "
        "side). Databehandleravtale.",
        "legal_basis_en": "GDPR Art. 6(1)(a) and Art. 9(2)(a) (the member's own choice on Min "
        "side). Data processing agreement.",
    },
    {
        "slug": "enalyzer",
        "name": "Enalyzer",
        "role": "processor",
        "rule": "survey_consent",
        "fields": ["member_number", "email", "first_name", "branch", "membership_type"],
        "purpose_nb": "Spørreundersøkelser blant medlemmene, for medlemmer som har sagt ja til "
        "undersøkelser.",
        "purpose_en": "Member surveys, for members who have said yes to surveys.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 a og art. 9 nr. 2 a (samtykke). "
        "Databehandleravtale.",
        "legal_basis_en": "GDPR Art. 6(1)(a) and Art. 9(2)(a) (consent). Data processing "
        "agreement.",
        "country": "Danmark",
    },
    {
        "slug": "training",
        "name": "Opplæringsplattformen",
        "role": "processor",
        "rule": "new_club_officers",
        "fields": [
            "member_number", "first_name", "last_name", "email", "phone", "club",
            "position", "position_started_on",
        ],
        "purpose_nb": "Opplæring av nye tillitsvalgte: tillitsvalgte på klubbnivå får tilgang "
        "til kursene for vervet sitt.",
        "purpose_en": "Training of new union officers: club-level officers get access to the "
        "courses for their position.",
        "legal_basis_nb": "GDPR art. 6 nr. 1 f (opplæring av tillitsvalgte, jf. "
        "hovedavtalen) og art. 9 nr. 2 d. Databehandleravtale.",
        "legal_basis_en": "GDPR Art. 6(1)(f) (training of union officers, cf. the Basic "
        "Agreement) and Art. 9(2)(d). Data processing agreement.",
    },
]


def create_recipients(apps, schema_editor):
    Recipient = apps.get_model("privacy", "Recipient")
    for data in RECIPIENTS:
        data = dict(data)
        slug = data.pop("slug")
        Recipient.objects.update_or_create(slug=slug, defaults=data)


def remove_recipients(apps, schema_editor):
    Recipient = apps.get_model("privacy", "Recipient")
    # Recipients that already received data are protected by their disclosures.
    Recipient.objects.filter(
        slug__in=[r["slug"] for r in RECIPIENTS], disclosures__isnull=True, products__isnull=True
    ).delete()


class Migration(migrations.Migration):
    """The partners of the privacy notice as Recipient rows."""

    dependencies = [("privacy", "0002_notice_and_cookies")]

    operations = [migrations.RunPython(create_recipients, remove_recipients)]
