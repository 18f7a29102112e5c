"""PDFs keep inside the page: every page of the access report and of the club's roster
export is rendered to an image, and no ink may cross the right margin; every column of
the roster is still there. Long values (e-mail addresses, lists of fields) wrap."""

import io

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from PIL import Image

from members.documents import render_pdf
from members.minside import mydata
from privacy.models import Disclosure, Recipient
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points per millimetre
SCALE = 2  # pixels per point when rendering
RIGHT_MARGIN_MM = 16  # templates/pdf/_base.html @page margin
TOP_MARGIN_MM, BOTTOM_MARGIN_MM = 18, 20


def pages_as_images(pdf: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    return [page.render(scale=SCALE).to_pil().convert("L") for page in document]


def ink_in_right_margin(image: Image.Image) -> int:
    """The number of dark pixels right of the content box (page number area excluded:
    it sits in the bottom margin)."""
    width, height = image.size
    left = int((width / SCALE - RIGHT_MARGIN_MM * MM + 1) * SCALE)
    top = int(TOP_MARGIN_MM * MM * SCALE)
    bottom = height - int(BOTTOM_MARGIN_MM * MM * SCALE)
    strip = image.crop((left, top, width, bottom))
    dark = strip.point(lambda value: 255 if value < 200 else 0)
    return int(dark.histogram()[255])


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_access_report_tables_stay_inside_the_margins(member, club_officer):
    m = member.member
    m.email = "en.veldig.lang.epostadresse.for.testing@eksempel-domene-som-er-langt.no"
    m.save()
    recipient = Recipient.objects.filter(active=True).first()
    Disclosure.objects.create(
        recipient=recipient,
        member=m,
        member_number=m.member_number,
        event="created",
        fields=[
            "birth_date",
            "city",
            "country",
            "email",
            "first_name",
            "last_name",
            "membership_type",
            "phone",
            "postal_code",
            "street",
            "position",
            "position_started_on",
            "branch",
            "club",
            "employer",
        ],
    )
    me = mydata.member_for_self(member).get()
    pdf = render_pdf(
        "pdf/access_report.html",
        {
            "member": me,
            "data": mydata.collect(me, access_log_limit=None),
            "recipients": list(Recipient.objects.filter(active=True)),
            "notice": None,
        },
    )
    images = pages_as_images(pdf)
    assert images
    for number, image in enumerate(images, start=1):
        assert ink_in_right_margin(image) == 0, f"page {number} crosses the right margin"
    text = pdf_text(pdf)
    assert "position_started_on" not in text and "birth_date" not in text
    assert "tillitsverv fra" in text.lower()


def test_the_roster_pdf_has_every_column_inside_the_page(club_officer, club, client_for):
    club.name = "Equinor Mongstad raffineri og prosessanlegg klubb nummer tre"
    club.save()
    for index in range(12):
        MemberFactory(
            club=club,
            branch=club.branch,
            last_name=f"Langnavnsen-Etternavnsdottir{index}",
            email=f"medlem.nummer.{index}.med.lang.adresse@eksempel-domene.no",
            street="Kong Christian Frederiks plass 123 B",
        )
    response = client_for(club_officer).get(reverse("klubb:export_pdf"))
    assert response.status_code == 200
    images = pages_as_images(response.content)
    for number, image in enumerate(images, start=1):
        assert image.size[0] > image.size[1], "the roster is printed in landscape"
        assert ink_in_right_margin(image) == 0, f"page {number} crosses the right margin"
    text = pdf_text(response.content)
    for header in (
        "Nr.",
        "Navn",
        "Født",
        "Adresse",
        "Telefon",
        "E-post",
        "Klubb",
        "Type",
        "Status",
        "Innmeldt",
    ):
        assert header in text
