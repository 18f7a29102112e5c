"""The text a person sees on a page: html.parser, without attributes, scripts, styles
or SVG internals other than text; used by tests that look for internal names."""

from __future__ import annotations

from html.parser import HTMLParser

SKIPPED = {"script", "style", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in SKIPPED:
            self._skip += 1

    def handle_endtag(self, tag) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """Return the page's text nodes (attributes and scripts left out)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.parts
