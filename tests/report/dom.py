"""A small DOM of an HTML string (stdlib parser): the report's pure tests query elements by
tag, class and attribute, as the browser test does in Chromium."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})  # HTML void elements


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    content: list[str | Element] = field(default_factory=list)  # text and children, in order

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.all_text() for c in self.content)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        """Every descendant with that tag, class and attributes (``data_node`` is data-node)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        out = []
        for c in self.children:
            if (
                (tag is None or c.tag == tag)
                and (cls is None or cls in c.classes)
                and all(c.attrs.get(k) == v for k, v in wanted.items())
            ):
                out.append(c)
            out += c.find(tag, cls, **attrs)
        return out


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.unbalanced: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(el)
        self.stack[-1].content.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(el)
        self.stack[-1].content.append(el)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            if self.stack[-1].tag == tag:
                self.stack.pop()
            return
        if self.stack[-1].tag != tag:
            self.unbalanced.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].content.append(data)


def parse(page: str) -> Element:
    """The page's tree; fails on a tag closed out of order or left open."""
    builder = _Builder()
    builder.feed(page)
    builder.close()
    assert builder.unbalanced == [], builder.unbalanced
    assert [e.tag for e in builder.stack] == ["#root"], "tags left open"
    return builder.root
