"""The plain building blocks the page templates lay out: links, tables, charts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Link:
    """A text, linked when it names something; ``datetime`` makes it a ``<time>``."""

    text: str
    href: str | None = None
    iri: str | None = None
    datetime: str | None = None
    lang: str | None = None
    #: An external link (another dataset, a source's web page).
    external: bool = False


@dataclass
class Cell:
    items: list[Link] = field(default_factory=list)
    #: Written between the items.
    sep: str = "; "

    @classmethod
    def of(cls, *items: Link | None) -> Cell:
        return cls([i for i in items if i is not None])

    @classmethod
    def text(cls, text: str | None) -> Cell:
        return cls([Link(text)] if text else [])


@dataclass
class Table:
    """A table with a caption, column headings and rows of cells (the first is the row head)."""

    id: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    #: A sentence under the caption (counts, notes).
    note: str | None = None


@dataclass
class Bar:
    """One rectangle of a chart, in SVG user units, with its accessible title."""

    x: float
    y: float
    width: float
    height: float
    title: str
    href: str | None = None
    css: str = "bar"
    #: A text drawn beside the bar (its value), at (label_x, label_y).
    label: str | None = None
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "middle"


@dataclass
class Tick:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class GridLine:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    """An SVG chart drawn on the server: everything positioned, the template only draws."""

    id: str
    title: str
    description: str
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    #: Row names (e.g. the chairs) written left of a timeline.
    names: list[Tick] = field(default_factory=list)
    grid: list[GridLine] = field(default_factory=list)
