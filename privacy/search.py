"""Site search over the public pages (privacy notice, cookie declaration, information
pages) and the anonymous search log.

The log keeps only a normalised term, the day and two counters. Terms that look like
personal data (national ids, account or phone numbers, e-mail addresses) are never
stored, and long terms are not stored either: a sentence typed into a search box is
more likely to hold something personal than a keyword is."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import text
from .consent import current_notice
from .models import CookieDefinition, InfoPage, SearchTerm

MAX_TERM_LENGTH = 60
SNIPPET_RADIUS = 90

_WHITESPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"\S+@\S+")
# Six or more digits in a row, allowing the separators people type in numbers
# (spaces, dots, dashes, brackets, a leading +): national ids, account numbers, phones.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s.\-()/]*\d){5,}")


def normalise_term(raw: str) -> str:
    """Lowercase, collapse whitespace, strip."""
    return _WHITESPACE.sub(" ", (raw or "")).strip().lower()


def looks_personal(term: str) -> bool:
    """True for terms that may hold personal data: an e-mail address or any long
    number (national id, D-number, bank account, phone, member number)."""
    return bool(_EMAIL.search(term) or "@" in term or _LONG_NUMBER.search(term))


def loggable_term(raw: str) -> str | None:
    """Return the term as it may be stored, or None when it must not be stored."""
    term = normalise_term(raw)
    if not term or len(term) > MAX_TERM_LENGTH or looks_personal(term):
        return None
    return term


def log_search(raw: str, *, hits: int, day: dt.date | None = None) -> bool:
    """Count one search in the day's aggregate. Returns whether anything was stored."""
    term = loggable_term(raw)
    if term is None:
        return False
    day = day or timezone.localdate()
    zero = 1 if hits == 0 else 0
    updated = SearchTerm.objects.filter(term=term, day=day).update(
        count=F("count") + 1, zero_results=F("zero_results") + zero
    )
    if updated:
        return True
    try:
        with transaction.atomic():
            SearchTerm.objects.create(term=term, day=day, count=1, zero_results=zero)
    except IntegrityError:
        # Another request created the day's row between our update and insert.
        SearchTerm.objects.filter(term=term, day=day).update(
            count=F("count") + 1, zero_results=F("zero_results") + zero
        )
    return True


def top_terms(*, since: dt.date, limit: int = 25, zero_only: bool = False) -> list[dict]:
    """The most searched terms since `since` (sum over days), or those that found nothing."""
    qs = SearchTerm.objects.filter(day__gte=since)
    if zero_only:
        qs = qs.filter(zero_results__gt=0)
    qs = qs.values("term").annotate(searches=Sum("count"), empty=Sum("zero_results"))
    order = "-empty" if zero_only else "-searches"
    return list(qs.order_by(order, "term")[:limit])


# --- Searching -----------------------------------------------------------------------


@dataclass
class Document:
    title: str
    url: str
    body: str
    kind: str


@dataclass
class Result:
    document: Document
    score: int
    title_html: SafeString
    snippet_html: SafeString


def _english() -> bool:
    return (get_language() or "nb").startswith("en")


def documents() -> list[Document]:
    """Every searchable public page in the current language. The notice is split at its
    headings so a hit lands on the right section."""
    en = _english()
    docs: list[Document] = []
    notice = current_notice()
    if notice is not None:
        base = reverse("privacy:notice")
        title = notice.title_en if en else notice.title_nb
        body = notice.body_en if en else notice.body_nb
        section_title, anchor, lines = title, "", []

        def add_section() -> None:
            if lines:
                docs.append(
                    Document(
                        title=f"{title}: {section_title}" if anchor else title,
                        url=f"{base}#{anchor}" if anchor else base,
                        body="\n".join(lines),
                        kind=_("Personvernerklæring"),
                    )
                )

        for block in text.parse(body):
            if block.kind in ("h2", "h3"):
                add_section()
                section_title, anchor, lines = block.text, block.anchor, []
            elif block.kind == "ul":
                lines.extend(block.items)
            elif block.kind == "p":
                lines.append(block.text)
            elif block.kind == "section":
                lines.append(_live_section_text(block.text, notice, en))
        add_section()
    cookie_url = reverse("privacy:cookies")
    for cookie in CookieDefinition.objects.all():
        docs.append(
            Document(
                title=f"{_('Informasjonskapsel')}: {cookie.name}",
                url=f"{cookie_url}#cookie-{cookie.pk}",
                body=" ".join(
                    [
                        cookie.provider,
                        cookie.get_category_display(),
                        cookie.purpose_en if en else cookie.purpose_nb,
                        cookie.duration_en if en else cookie.duration_nb,
                    ]
                ),
                kind=_("Informasjonskapsler"),
            )
        )
    for page in InfoPage.objects.filter(published=True):
        docs.append(
            Document(
                title=page.title_en if en else page.title_nb,
                url=reverse("privacy:info", args=[page.slug]),
                body=text.plain(page.body_en if en else page.body_nb),
                kind=_("Informasjon"),
            )
        )
    return docs


def _live_section_text(name: str, notice, en: bool) -> str:
    """The searchable words of a live section of the notice (rendered from data)."""
    from .models import Recipient
    from .processing import DATATILSYNET, RETENTION_YEARS

    if name == "mottakere":
        return " ".join(
            f"{r.name}: {r.purpose_en if en else r.purpose_nb}"
            for r in Recipient.objects.filter(active=True)
        )
    if name == "lagringstid":
        return _(
            "Vi sletter opplysningene om deg %(years)s år etter at medlemskapet tok slutt."
        ) % {"years": RETENTION_YEARS}
    if name == "kontakt":
        return notice.controller_contact
    if name == "klage":
        return _("Klage til %(name)s, %(address)s.") % DATATILSYNET
    if name == "informasjonskapsler":
        return _("Informasjonskapsler: nødvendige, statistikk og markedsføring.")
    return ""


def _words(query: str) -> list[str]:
    return [w for w in normalise_term(query).split(" ") if w][:10]


def highlight(value: str, words: list[str]) -> SafeString:
    """Return `value` escaped, with each occurrence of the words wrapped in <mark>. The
    matches are found in the raw text and every piece is escaped before any markup is
    added, so neither the page nor the query can inject markup (and a word such as
    "amp" cannot split an entity)."""
    if not words:
        return escape(value)
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)),
        re.IGNORECASE,
    )
    parts, last = [], 0
    for match in pattern.finditer(value):
        parts.append(str(escape(value[last : match.start()])))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(str(escape(value[last:])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _snippet(body: str, words: list[str]) -> str:
    flat = _WHITESPACE.sub(" ", body).strip()
    lower = flat.lower()
    positions = [lower.find(w) for w in words if lower.find(w) >= 0]
    if not positions:
        return flat[: SNIPPET_RADIUS * 2] + ("…" if len(flat) > SNIPPET_RADIUS * 2 else "")
    start = max(0, min(positions) - SNIPPET_RADIUS)
    end = min(len(flat), start + SNIPPET_RADIUS * 2 + 40)
    if start > 0:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < min(positions) else start
    return ("…" if start > 0 else "") + flat[start:end] + ("…" if end < len(flat) else "")


def search(query: str) -> list[Result]:
    """Pages containing every word of the query, best first (title hits weigh more)."""
    words = _words(query)
    if not words:
        return []
    results = []
    for doc in documents():
        title, body = doc.title.lower(), doc.body.lower()
        if not all(w in title or w in body for w in words):
            continue
        score = sum(10 * title.count(w) + body.count(w) for w in words)
        results.append(
            Result(
                document=doc,
                score=score,
                title_html=highlight(doc.title, words),
                snippet_html=highlight(_snippet(doc.body, words), words),
            )
        )
    results.sort(key=lambda r: (-r.score, r.document.title))
    return results
