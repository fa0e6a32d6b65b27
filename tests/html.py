"""Reading a page as a person sees it, with the standard library's HTML parser: the text of
an element, and the elements of a page with their attributes."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements with no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list, repr=False)
    # The elements it is inside, outermost first.
    ancestors: tuple["Element", ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        """The element's text with each run of space as one, as a browser shows it."""
        return " ".join("".join(self.parts).split())


class Page(HTMLParser):
    """Every element of a page, in document order, each with the text inside it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag, {name: value or "" for name, value in attrs}, ancestors=tuple(self._open)
        )
        self.elements.append(element)
        if tag == "br":
            self.handle_data(" ")
        elif tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the latest element of that name (HTML lets some end tags be left out).
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def select(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """The elements (of `tag`, if given) with these attribute values (data_testid for
        data-testid)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(n) == v for n, v in wanted.items())
        ]

    def inside(self, outer: Element, tag: str | None = None) -> list[Element]:
        """The elements (of `tag`, if given) inside `outer`."""
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and any(a is outer for a in e.ancestors)
        ]

    def text_of(self, **attrs: str) -> str:
        """The text of the one element with these attribute values."""
        [element] = self.select(**attrs)
        return element.text


def text_of(response, **attrs: str) -> str:
    """The text of the one element of a response's page with these attribute values."""
    return Page(response.content.decode()).text_of(**attrs)
