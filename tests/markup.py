"""Read a response's HTML as a tree, so tests can ask about elements rather than substrings.

The standard library's HTML parser feeds an ElementTree (wrapped in a ``<root>`` so that htmx
fragments with several top-level elements parse too); ElementTree's XPath subset then finds
elements, e.g. ``page.find_all(".//ul[@class='flips']/li")``. Entities are decoded, so text
compares with the wording files as written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Protocol

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Response(Protocol):
    @property
    def content(self) -> bytes: ...


class _TreeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = ET.TreeBuilder()
        self.builder.start("root", {})
        self.open: list[str] = ["root"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.start(tag, {name: value or "" for name, value in attrs})
        if tag in VOID:
            self.builder.end(tag)
        else:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.start(tag, {name: value or "" for name, value in attrs})
        self.builder.end(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or tag not in self.open:
            return
        while self.open[-1] != tag:
            self.builder.end(self.open.pop())
        self.builder.end(self.open.pop())

    def handle_data(self, data: str) -> None:
        self.builder.data(data)

    def close_tree(self) -> ET.Element:
        self.close()
        while self.open:
            self.builder.end(self.open.pop())
        return self.builder.close()


def text_of(element: ET.Element) -> str:
    """An element's text as a reader sees it: runs of HTML whitespace collapsed to one space.

    Only ASCII whitespace collapses, as in a browser: the narrow no-break spaces between
    thousands are part of the text.
    """
    return _HTML_SPACE.sub(" ", "".join(element.itertext())).strip(" ")


def has_class(element: ET.Element, name: str) -> bool:
    return name in element.get("class", "").split()


class Page:
    """A parsed HTML document or fragment."""

    def __init__(self, source: _Response | str) -> None:
        text = source if isinstance(source, str) else source.content.decode()
        parser = _TreeParser()
        parser.feed(text)
        self.root = parser.close_tree()

    @property
    def text(self) -> str:
        return text_of(self.root)

    def find_all(self, path: str) -> list[ET.Element]:
        return self.root.findall(path)

    def find(self, path: str) -> ET.Element:
        found = self.root.findall(path)
        assert len(found) == 1, f"expected one element at {path}, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> ET.Element:
        return self.find(f".//*[@id='{element_id}']")

    def with_class(self, name: str, tag: str = "*") -> list[ET.Element]:
        return [e for e in self.root.iter(tag) if has_class(e, name)]

    def top_level(self) -> list[ET.Element]:
        """The fragment's outermost elements (for htmx out-of-band responses)."""
        return list(self.root)
