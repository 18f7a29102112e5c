"""The small text format of privacy pages edited in admin. Authors write plain text:

    ## Heading            ### Subheading
    - list item           (blank line)  new paragraph
    [mottakere]           a live section, filled from data by the page (see SECTIONS)

Everything is escaped first; nothing an author writes can become markup or script."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.text import slugify

# Live sections an author may place on a line of their own; missing ones are appended.
SECTIONS = ("mottakere", "lagringstid", "informasjonskapsler", "kontakt", "klage")
_SECTION_LINE = re.compile(r"^\[(" + "|".join(SECTIONS) + r")\]$")


@dataclass
class Block:
    """One piece of a page: a heading, paragraph, list or live section."""

    kind: str  # "h2", "h3", "p", "ul", "section"
    text: str = ""
    items: list[str] = field(default_factory=list)
    anchor: str = ""

    @property
    def html(self) -> str:
        if self.kind in ("h2", "h3"):
            return f'<{self.kind} id="{self.anchor}">{escape(self.text)}</{self.kind}>'
        if self.kind == "p":
            return f"<p>{escape(self.text)}</p>"
        if self.kind == "ul":
            return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in self.items) + "</ul>"
        return ""


def parse(text: str) -> list[Block]:
    """Split the author's text into blocks."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    seen: set[str] = set()

    def flush() -> None:
        if paragraph:
            blocks.append(Block("p", " ".join(paragraph)))
            paragraph.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("### ") or line.startswith("## "):
            flush()
            level = "h3" if line.startswith("### ") else "h2"
            title = line.lstrip("#").strip()
            anchor = slugify(title) or f"del-{len(blocks)}"
            while anchor in seen:
                anchor += "-2"
            seen.add(anchor)
            blocks.append(Block(level, title, anchor=anchor))
            continue
        if line.startswith("- "):
            flush()
            if blocks and blocks[-1].kind == "ul":
                blocks[-1].items.append(line[2:].strip())
            else:
                blocks.append(Block("ul", items=[line[2:].strip()]))
            continue
        match = _SECTION_LINE.match(line)
        if match:
            flush()
            blocks.append(Block("section", match.group(1)))
            continue
        paragraph.append(line)
    flush()
    return blocks


def with_all_sections(blocks: list[Block]) -> list[Block]:
    """Return the blocks with every live section present exactly once (missing ones at
    the end), so the facts that come from data are never left out by an edit."""
    result: list[Block] = []
    placed: set[str] = set()
    for block in blocks:
        if block.kind == "section":
            if block.text in placed:
                continue
            placed.add(block.text)
        result.append(block)
    result.extend(Block("section", name) for name in SECTIONS if name not in placed)
    return result


def plain(text: str) -> str:
    """The text without markup characters or section markers (for search)."""
    lines = []
    for block in parse(text):
        if block.kind == "ul":
            lines.extend(block.items)
        elif block.kind != "section":
            lines.append(block.text)
    return "\n".join(lines)
