import datetime as dt

from django.db import migrations

# The first published privacy notice. Lines in [brackets] are live sections the page
# fills from data (recipients, retention, cookies, contact, complaint route), so those
# facts stay true when the data changes. Format: "## " heading, "- " list item.
NOTICE_NB = """Forbundet er et LO-forbund for arbeidstakere i industri og energi. Denne erklæringen forteller hvilke personopplysninger vi behandler om deg som medlem, hvorfor vi gjør det, hvem vi deler dem med, hvor lenge vi tar vare på dem og hvilke rettigheter du har.

## Hvem som er ansvarlig

Forbundet er behandlingsansvarlig for medlemsregisteret og for Medlemsportalen. Forbundsleder har det overordnede ansvaret. Den daglige oppfølgingen er lagt til medlemsavdelingen, og vi har et personvernombud du kan kontakte direkte.

[kontakt]

## Hvorfor vi behandler opplysninger om deg

- Medlemskap: innmelding, utmelding, overføring til og fra andre forbund, og hvilken avdeling og klubb du hører til.
- Kontingent: beregne og kreve inn kontingent, registrere innbetalinger og rapportere innbetalt kontingent til Skatteetaten, slik at du får fagforeningsfradrag.
- Medlemsfordeler: forsikringene som følger med medlemskapet, og andre fordeler du har valgt.
- Tillitsvalgte: klubb- og avdelingstillitsvalgte ser opplysninger om medlemmene i sin egen klubb eller avdeling, slik at de kan følge opp medlemmene på arbeidsplassen.
- Bistand: når du ber om råd eller hjelp i en sak med arbeidsgiveren, for eksempel juridisk bistand.
- Informasjon: medlemsbladet, nyhetsbrev og undersøkelser, etter valgene du har gjort på Min side.
- Sikkerhet: vi logger hvem som har sett opplysningene om deg, og når.

## Behandlingsgrunnlag

At du er medlem av en fagforening, er en særlig kategori personopplysninger etter personvernforordningen artikkel 9. Vi behandler slike opplysninger fordi:

- behandlingen er nødvendig for å oppfylle medlemsavtalen med deg (artikkel 6 nr. 1 bokstav b);
- en fagforening kan behandle opplysninger om egne medlemmer som ledd i sin berettigede virksomhet, så lenge opplysningene ikke gis videre uten samtykke (artikkel 9 nr. 2 bokstav d);
- behandlingen er nødvendig for å oppfylle plikter og utøve rettigheter innen arbeidsrett (artikkel 9 nr. 2 bokstav b);
- vi har en rettslig plikt, for eksempel til å rapportere innbetalt kontingent til Skatteetaten og til å følge bokføringsreglene (artikkel 6 nr. 1 bokstav c);
- du har samtykket, for eksempel til nyhetsbrev, undersøkelser eller informasjonskapsler til statistikk og markedsføring (artikkel 6 nr. 1 bokstav a). Samtykke kan trekkes tilbake når som helst.

## Hvilke opplysninger vi behandler

- Identitet: navn, fødselsnummer eller D-nummer, fødselsdato og medlemsnummer.
- Kontakt: adresse, telefonnummer og e-postadresse.
- Medlemskap: medlemskapstype, status, innmeldingsdatoer, avdeling, klubb, arbeidsgiver, tidligere forbund, tillitsverv og hvem som vervet deg.
- Økonomi: kontingent, innbetalinger, KID og eventuelt kontonummer for tilbakebetaling.
- Valg: kommunikasjonsvalg, reservasjoner mot medlemsfordeler og samtykker.
- Logg: hvem som har sett eller endret opplysningene dine, og når.

Fødselsnummer og kontonummer lagres kryptert, og vises aldri i sin helhet for tillitsvalgte.

## Hvor opplysningene kommer fra

Opplysningene kommer fra deg selv når du melder deg inn eller endrer dem på Min side, fra tillitsvalgte som melder deg inn eller oppdaterer opplysninger om arbeidsplassen, fra arbeidsgiveren når kontingenten trekkes i lønn, fra banken når du betaler med KID, og fra andre LO-forbund når du overføres til oss.

## Hvem som får opplysningene

[mottakere]

## Hvor lenge vi lagrer

[lagringstid]

## Dine rettigheter

Du har rett til å:

- få innsyn i opplysningene vi har om deg (Min side viser alt, og du kan laste ned en innsynsrapport);
- få rettet opplysninger som er feil eller ufullstendige;
- få slettet opplysninger vi ikke lenger trenger eller ikke har grunnlag for å behandle;
- protestere mot behandling som bygger på berettiget interesse;
- få utlevert opplysningene du har gitt oss i et maskinlesbart format (dataportabilitet);
- trekke tilbake et samtykke, like enkelt som du ga det.

Vi svarer på henvendelser uten ugrunnet opphold og senest innen én måned. Henvendelser kan sendes fra Min side, på e-post eller i brev.

## Informasjonskapsler på nettstedet

[informasjonskapsler]

## Klage

[klage]

## Endringer i erklæringen

Når vi endrer erklæringen, publiserer vi en ny versjon med dato, og tidligere versjoner ligger i arkivet. Ved vesentlige endringer ber vi deg ta stilling til informasjonskapsler på nytt."""

NOTICE_EN = """The union is an LO-affiliated trade union for workers in industry and energy. This notice explains which personal data we process about you as a member, why we do so, who we share it with, how long we keep it and what rights you have.

## Who is responsible

The union is the controller for the membership register and for the Member Portal. The union president holds overall responsibility. Day-to-day follow-up lies with the membership department, and we have a data protection officer you can contact directly.

[kontakt]

## Why we process data about you

- Membership: joining, resigning, transfers to and from other unions, and which branch and workplace club you belong to.
- Dues: calculating and collecting dues, recording payments and reporting dues paid to the Norwegian Tax Administration so that you get the trade union tax deduction.
- Member benefits: the insurance included in the membership and other benefits you have chosen.
- Union representatives: club and branch representatives see data about the members of their own club or branch so that they can follow up members at the workplace.
- Assistance: when you ask for advice or help in a case with your employer, such as legal aid.
- Information: the member magazine, newsletters and surveys, according to the choices you have made on My page.
- Security: we log who has viewed your data, and when.

## Legal basis

Trade union membership is a special category of personal data under Article 9 of the General Data Protection Regulation (GDPR). We process such data because:

- the processing is necessary to perform the membership agreement with you (Article 6(1)(b));
- a trade union may process data about its own members in the course of its legitimate activities, provided the data is not disclosed outside the union without consent (Article 9(2)(d));
- the processing is necessary for carrying out obligations and exercising rights in the field of employment law (Article 9(2)(b));
- we have a legal obligation, for example to report dues paid to the Tax Administration and to follow bookkeeping rules (Article 6(1)(c));
- you have consented, for example to newsletters, surveys or cookies for statistics and marketing (Article 6(1)(a)). Consent can be withdrawn at any time.

## What data we process

- Identity: name, national identity number or D number, date of birth and member number.
- Contact: address, phone number and e-mail address.
- Membership: membership type, status, joining dates, branch, club, employer, previous unions, union positions and who recruited you.
- Finances: dues, payments, KID and, where relevant, a bank account number for refunds.
- Choices: communication preferences, reservations against member benefits and consents.
- Log: who has viewed or changed your data, and when.

National identity numbers and bank account numbers are stored encrypted and are never shown in full to union representatives.

## Where the data comes from

The data comes from you when you join or update it on My page, from union representatives who register you or update workplace details, from your employer when dues are deducted from your pay, from the bank when you pay with a KID, and from other LO unions when you transfer to us.

## Who receives the data

[mottakere]

## How long we keep it

[lagringstid]

## Your rights

You have the right to:

- access the data we hold about you (My page shows everything, and you can download an access report);
- have incorrect or incomplete data rectified;
- have data erased that we no longer need or have no basis to process;
- object to processing based on legitimate interests;
- receive the data you have given us in a machine-readable format (data portability);
- withdraw consent, as easily as you gave it.

We answer requests without undue delay and at the latest within one month. Requests can be sent from My page, by e-mail or by letter.

## Cookies on the website

[informasjonskapsler]

## Complaints

[klage]

## Changes to this notice

When we change the notice, we publish a new version with its date, and earlier versions remain in the archive. After significant changes we ask you to make your cookie choices again."""

CONTROLLER = """Forbundet (LO-forbund for industri og energi)
Postboks 123 Sentrum, 0101 Oslo
E-post: personvern@forbundet.example
Personvernombud: personvernombud@forbundet.example"""

COOKIES = [
    {
        "name": "sessionid",
        "provider": "Medlemsportalen",
        "category": "necessary",
        "purpose_nb": "Holder deg innlogget mens du bruker portalen.",
        "purpose_en": "Keeps you logged in while you use the portal.",
        "duration_nb": "Til du logger ut, høyst 8 timer",
        "duration_en": "Until you log out, at most 8 hours",
    },
    {
        "name": "csrftoken",
        "provider": "Medlemsportalen",
        "category": "necessary",
        "purpose_nb": "Beskytter skjemaene mot forfalskede forespørsler fra andre nettsteder.",
        "purpose_en": "Protects forms against forged requests from other websites.",
        "duration_nb": "1 år",
        "duration_en": "1 year",
    },
    {
        "name": "django_language",
        "provider": "Medlemsportalen",
        "category": "necessary",
        "purpose_nb": "Husker språket du har valgt (norsk eller engelsk).",
        "purpose_en": "Remembers the language you have chosen (Norwegian or English).",
        "duration_nb": "Til nettleseren lukkes",
        "duration_en": "Until the browser is closed",
    },
    {
        "name": "messages",
        "provider": "Medlemsportalen",
        "category": "necessary",
        "purpose_nb": "Viser en bekreftelse (for eksempel «Lagret») på neste side.",
        "purpose_en": "Shows a confirmation (such as “Saved”) on the next page.",
        "duration_nb": "Til meldingen er vist",
        "duration_en": "Until the message has been shown",
    },
    {
        "name": "medlem_samtykke",
        "provider": "Medlemsportalen",
        "category": "necessary",
        "purpose_nb": "Husker valget ditt om informasjonskapsler (samtykke-ID, kategorier og "
        "versjon av erklæringen), slik at vi ikke spør på hver side.",
        "purpose_en": "Remembers your cookie choice (consent id, categories and notice "
        "version) so that we do not ask on every page.",
        "duration_nb": "6 måneder",
        "duration_en": "6 months",
    },
    {
        "name": "_ga",
        "provider": "Google (Google Analytics)",
        "category": "statistics",
        "purpose_nb": "Skiller besøkende fra hverandre, slik at vi kan telle besøk og se "
        "hvilke sider som brukes.",
        "purpose_en": "Distinguishes visitors so that we can count visits and see which "
        "pages are used.",
        "duration_nb": "2 år",
        "duration_en": "2 years",
    },
    {
        "name": "_ga_<container-id>",
        "provider": "Google (Google Analytics)",
        "category": "statistics",
        "purpose_nb": "Holder på tilstanden for økten din i Google Analytics 4.",
        "purpose_en": "Keeps the state of your session in Google Analytics 4.",
        "duration_nb": "2 år",
        "duration_en": "2 years",
    },
    {
        "name": "_gid",
        "provider": "Google (Google Analytics)",
        "category": "statistics",
        "purpose_nb": "Skiller besøkende fra hverandre i løpet av et døgn.",
        "purpose_en": "Distinguishes visitors within one day.",
        "duration_nb": "24 timer",
        "duration_en": "24 hours",
    },
    {
        "name": "_gcl_au",
        "provider": "Google (Google Ads)",
        "category": "marketing",
        "purpose_nb": "Måler om annonser for verving av nye medlemmer fører til innmelding.",
        "purpose_en": "Measures whether ads for recruiting new members lead to sign-ups.",
        "duration_nb": "90 dager",
        "duration_en": "90 days",
    },
    {
        "name": "_fbp",
        "provider": "Meta (Facebook-pikselen)",
        "category": "marketing",
        "purpose_nb": "Måler og tilpasser annonser på Facebook og Instagram.",
        "purpose_en": "Measures and tailors ads on Facebook and Instagram.",
        "duration_nb": "90 dager",
        "duration_en": "90 days",
    },
]

INFO_PAGES = [
    {
        "slug": "dine-rettigheter",
        "title_nb": "Dine rettigheter som medlem",
        "title_en": "Your rights as a member",
        "body_nb": """Som medlem har du rett til innsyn i alt vi har lagret om deg, til å få rettet feil, og i mange tilfeller til å få opplysningene slettet.

## Slik får du innsyn

Logg inn på Min side og velg «Mine data». Der ser du alt registeret har om deg, hvem som har sett opplysningene dine, og hvilke samarbeidspartnere som har fått dem. Du kan laste ned en innsynsrapport som PDF og dataene dine som en maskinlesbar fil.

## Slik får du rettet opplysninger

De fleste opplysninger kan du endre selv på Min side. Er noe feil som du ikke kan endre selv, for eksempel innmeldingsdato, kan du sende oss en henvendelse om retting.

## Frist

Vi svarer innen én måned fra vi mottar henvendelsen. Kommer henvendelsen 31. januar, er fristen 28. februar (29. februar i skuddår).""",
        "body_en": """As a member you have the right to see everything we have stored about you, to have errors corrected, and in many cases to have the data erased.

## How to see your data

Log in to My page and choose “My data”. There you see everything the register holds about you, who has viewed your data and which partners have received it. You can download an access report as a PDF and your data as a machine-readable file.

## How to have data corrected

You can change most data yourself on My page. If something you cannot change yourself is wrong, such as your joining date, send us a rectification request.

## Deadline

We answer within one month of receiving your request. If the request arrives on 31 January, the deadline is 28 February (29 February in a leap year).""",
    },
    {
        "slug": "utmelding-og-sletting",
        "title_nb": "Utmelding og sletting",
        "title_en": "Resigning and erasure",
        "body_nb": """Du kan melde deg ut på Min side. Utmeldingen gjelder fra slutten av måneden, og samarbeidspartnere som forsikringsselskapet får beskjed automatisk.

## Hva skjer med opplysningene dine

Etter utmelding tar vi vare på opplysningene i tre år, blant annet fordi du kan ha krav på fagforeningsfradrag og fordi mange melder seg inn igjen. Deretter slettes alt automatisk. Vi beholder bare medlemsnummeret og datoen som bevis på at slettingen er gjort.

## Sletting tidligere

Vil du at vi sletter opplysningene før det har gått tre år, kan du be om sletting. Vi sletter da alt vi ikke har plikt til å beholde, og gir beskjed til samarbeidspartnere som har fått opplysninger om deg.""",
        "body_en": """You can resign on My page. Resignation takes effect at the end of the month, and partners such as the insurer are told automatically.

## What happens to your data

After you resign we keep your data for three years, among other things because you may be entitled to the trade union tax deduction and because many people rejoin. After that everything is erased automatically. We keep only the member number and the date as proof that the erasure was done.

## Earlier erasure

If you want us to erase your data before three years have passed, you can request erasure. We then erase everything we are not obliged to keep and notify partners that have received data about you.""",
    },
    {
        "slug": "tillitsvalgtes-tilgang",
        "title_nb": "Hva tillitsvalgte kan se",
        "title_en": "What union representatives can see",
        "body_nb": """Tillitsvalgte i klubben og avdelingen din kan se navn, adresse, telefon, e-post, fødselsdato, medlemskap og tillitsverv for medlemmene de har ansvar for. De kan ikke se fødselsnummer, kontonummer, betalingshistorikk eller arbeidsgiverhistorikk.

## Logging

Hver gang en tillitsvalgt åpner opplysningene om deg eller tar ut en medlemsliste, logges det. På Min side ser du hvem som har sett opplysningene dine, og når.

## Tofaktorinnlogging

Tillitsvalgte og ansatte må logge inn med tofaktorautentisering, og logges ut automatisk etter 30 minutter uten aktivitet.""",
        "body_en": """Representatives in your club and branch can see the name, address, phone, e-mail, date of birth, membership and union positions of the members they are responsible for. They cannot see national identity numbers, bank account numbers, payment history or employment history.

## Logging

Every time a representative opens your data or exports a member list, it is logged. On My page you can see who has viewed your data, and when.

## Two-factor login

Representatives and staff must log in with two-factor authentication and are logged out automatically after 30 minutes of inactivity.""",
    },
]


def create_defaults(apps, schema_editor):
    PrivacyNotice = apps.get_model("privacy", "PrivacyNotice")
    CookieDefinition = apps.get_model("privacy", "CookieDefinition")
    InfoPage = apps.get_model("privacy", "InfoPage")
    if not PrivacyNotice.objects.filter(version=1).exists():
        PrivacyNotice.objects.create(
            version=1,
            effective_from=dt.date(2025, 1, 1),
            title_nb="Personvernerklæring for medlemmer",
            title_en="Privacy notice for members",
            body_nb=NOTICE_NB,
            body_en=NOTICE_EN,
            published=True,
            controller_contact=CONTROLLER,
        )
    for cookie in COOKIES:
        CookieDefinition.objects.get_or_create(name=cookie["name"], defaults=cookie)
    for page in INFO_PAGES:
        InfoPage.objects.get_or_create(slug=page["slug"], defaults=page)


def remove_defaults(apps, schema_editor):
    apps.get_model("privacy", "PrivacyNotice").objects.filter(version=1).delete()
    apps.get_model("privacy", "CookieDefinition").objects.filter(
        name__in=[c["name"] for c in COOKIES]
    ).delete()
    apps.get_model("privacy", "InfoPage").objects.filter(
        slug__in=[p["slug"] for p in INFO_PAGES]
    ).delete()


class Migration(migrations.Migration):
    """Default privacy notice (v1), the cookie declaration and information pages."""

    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
