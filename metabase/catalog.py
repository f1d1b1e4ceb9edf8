"""The dashboards as code: load `dashboards/*.yaml` and `cards/*.sql` into checked objects.

Both the Metabase sync and the HTML report read this catalog, so what Metabase shows and what the
report shows come from the same files. Loading validates everything a typo could break (unknown
card, tag without a known type, overlapping or off-grid layout, a chart naming a column the card
does not return), so a bad edit fails in the tests rather than in someone's Metabase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from metabase.native_query import TemplateError, template_tags

PACKAGE_DIR = Path(__file__).resolve().parent
CARDS_DIR = PACKAGE_DIR / "cards"
DASHBOARDS_DIR = PACKAGE_DIR / "dashboards"

GRID_COLUMNS = 24  # Metabase's dashboard grid

# Every template tag a card may use, with its Metabase type and the filter's label. A tag shared by
# several cards is one dashboard filter. Dates are two single-date variables rather than one
# "date/range": Metabase maps a range filter only to field filters, which need Metabase's field ids.
# The range is half-open like everything else here: day >= date_from and day < date_to.
TAG_TYPES: dict[str, tuple[str, str]] = {
    "date_from": ("date", "From"),
    "date_to": ("date", "Before"),
    "feature": ("text", "Feature"),
    "environment": ("text", "Environment"),
}

VISUALIZATIONS = {"table": "table", "line": "line", "bar": "bar", "number": "scalar", "progress": "progress"}
FORMATS = {"currency", "percent", "integer"}
_CARD_KEYS = {"card", "name", "visualization", "columns", "layout", "x", "series", "y", "format",
              "goal", "highlight", "description", "titles", "y_right", "reference", "y_title", "y_right_title"}

# Column names are snake_case contracts; people read titles. These words are spelled out, the
# rest is the name with spaces (a card's `titles:` overrides any column).
_TITLE_WORDS = {"id": "ID", "usd": "", "avg": "average", "prev": "previous", "1d": "1 day",
                "7d": "7 days", "30d": "30 days", "wow": "week over week", "llm": "LLM", "ts": "time"}


def column_title(column: str) -> str:
    """`share_of_total_30d` -> "Share of total, 30 days"; `cost_usd` -> "Cost"; `user_id` -> "User ID"."""
    words = [w for w in column.split("_") if w]
    period = [w for w in words if w in ("1d", "7d", "30d")]
    text = " ".join(filter(None, (_TITLE_WORDS.get(w, w) for w in words if w not in period and w != "pct")))
    if period:
        text = f"{text}, {_TITLE_WORDS[period[-1]]}" if text else _TITLE_WORDS[period[-1]]
    if "pct" in words:
        text = f"{text} (%)"
    return text[:1].upper() + text[1:]


class CatalogError(ValueError):
    """A dashboard file or card query is inconsistent. The message names the file and the field."""


@dataclass(frozen=True)
class Layout:
    row: int
    col: int
    size_x: int
    size_y: int

    def cells(self) -> set[tuple[int, int]]:
        return {(r, c) for r in range(self.row, self.row + self.size_y)
                for c in range(self.col, self.col + self.size_x)}


@dataclass(frozen=True)
class Card:
    key: str  # the .sql file's stem: the stable identity Metabase objects are matched by
    name: str
    sql: str
    visualization: str
    columns: tuple[str, ...]
    layout: Layout
    x: str | None = None
    series: str | None = None
    y: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)
    goal: float | None = None
    highlight: str | None = None
    description: str = ""
    titles: dict[str, str] = field(default_factory=dict)  # every column's human title
    y_right: tuple[str, ...] = ()  # metrics on a second (right) axis: counts beside dollars
    reference: tuple[str, ...] = ()  # drawn as dashed reference lines that never set the scale
    y_title: str = ""
    y_right_title: str = ""

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.y + self.y_right

    @property
    def tags(self) -> list[str]:
        return template_tags(self.sql)

    @property
    def display(self) -> str:
        return VISUALIZATIONS[self.visualization]


@dataclass(frozen=True)
class Section:
    title: str
    heading_row: int | None
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Dashboard:
    key: str
    name: str
    description: str
    order: int
    filters: tuple[str, ...]
    sections: tuple[Section, ...]

    @property
    def cards(self) -> list[Card]:
        return [card for section in self.sections for card in section.cards]


def card_sql(key: str) -> str:
    path = CARDS_DIR / f"{key}.sql"
    if not path.is_file():
        raise CatalogError(f"card {key!r}: no query file {path.relative_to(PACKAGE_DIR.parent)}")
    return path.read_text()


def _layout(raw: Any, where: str) -> Layout:
    if not isinstance(raw, dict) or set(raw) != {"row", "col", "size_x", "size_y"}:
        raise CatalogError(f"{where}: layout needs exactly row, col, size_x, size_y")
    if not all(isinstance(v, int) and v >= 0 for v in raw.values()) or raw["size_x"] < 1 or raw["size_y"] < 1:
        raise CatalogError(f"{where}: layout values must be non-negative integers, sizes >= 1")
    layout = Layout(**raw)
    if layout.col + layout.size_x > GRID_COLUMNS:
        raise CatalogError(f"{where}: col + size_x exceeds the {GRID_COLUMNS}-column grid")
    return layout


def _card(raw: Any, where: str) -> Card:
    if not isinstance(raw, dict) or "card" not in raw:
        raise CatalogError(f"{where}: each entry needs a `card` key")
    unknown = set(raw) - _CARD_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {sorted(unknown)}")
    key = raw["card"]
    where = f"{where} card {key!r}"
    visualization = raw.get("visualization", "table")
    if visualization not in VISUALIZATIONS:
        raise CatalogError(f"{where}: visualization must be one of {sorted(VISUALIZATIONS)}")
    columns = tuple(raw.get("columns") or ())
    if not columns:
        raise CatalogError(f"{where}: list the columns the query returns under `columns`")
    formats = dict(raw.get("format") or {})
    y = tuple(raw.get("y") or ())
    y_right = tuple(raw.get("y_right") or ())
    reference = tuple(raw.get("reference") or ())
    titles = {column: column_title(column) for column in columns}
    stray_titles = [c for c in (raw.get("titles") or {}) if c not in columns]
    if stray_titles:
        raise CatalogError(f"{where}: titles for column(s) {stray_titles} that are not in `columns`")
    titles.update({c: str(t) for c, t in (raw.get("titles") or {}).items()})
    card = Card(
        key=key,
        name=str(raw.get("name") or key),
        sql=card_sql(key),
        visualization=visualization,
        columns=columns,
        layout=_layout(raw.get("layout"), where),
        x=raw.get("x"),
        series=raw.get("series"),
        y=y,
        formats=formats,
        goal=raw.get("goal"),
        highlight=raw.get("highlight"),
        description=str(raw.get("description") or ""),
        titles=titles,
        y_right=y_right,
        reference=reference,
        y_title=str(raw.get("y_title") or _axis_title(y, formats, titles)),
        y_right_title=str(raw.get("y_right_title") or _axis_title(y_right, formats, titles)),
    )
    if not card.description.strip():
        raise CatalogError(f"{where}: give the card a `description` (what it shows, for whom)")
    named = [c for c in (card.x, card.series, card.highlight, *card.y, *y_right, *reference, *formats)
             if c is not None]
    stray = [c for c in named if c not in columns]
    if stray:
        raise CatalogError(f"{where}: refers to column(s) {stray} that are not in `columns`")
    bad_formats = {c: f for c, f in formats.items() if f not in FORMATS}
    if bad_formats:
        raise CatalogError(f"{where}: format must be one of {sorted(FORMATS)}, got {bad_formats}")
    if visualization in ("line", "bar") and (card.x is None or not card.y):
        raise CatalogError(f"{where}: a {visualization} chart needs `x` and `y`")
    if visualization == "progress" and card.goal is None:
        raise CatalogError(f"{where}: a progress card needs a `goal`")
    try:
        tags = card.tags
    except TemplateError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    unknown_tags = [t for t in tags if t not in TAG_TYPES]
    if unknown_tags:
        raise CatalogError(f"{where}: template tag(s) {unknown_tags} have no type in catalog.TAG_TYPES")
    return card


def _axis_title(metrics: tuple[str, ...], formats: dict[str, str], titles: dict[str, str]) -> str:
    if not metrics:
        return ""
    if len(metrics) == 1:
        return titles[metrics[0]]
    kinds = {formats.get(m) for m in metrics}
    return {"currency": "US dollars", "percent": "Share", "integer": "Count"}.get(kinds.pop(), "") \
        if len(kinds) == 1 else ""


def load_dashboard(path: Path) -> Dashboard:
    where = path.name
    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping")
    for required in ("key", "name", "sections"):
        if required not in raw:
            raise CatalogError(f"{where}: missing `{required}`")
    filters = tuple(raw.get("filters") or ())
    unknown_filters = [f for f in filters if f not in TAG_TYPES]
    if unknown_filters:
        raise CatalogError(f"{where}: filter(s) {unknown_filters} are not template tags in catalog.TAG_TYPES")
    sections = []
    occupied: dict[tuple[int, int], str] = {}

    def claim(layout: Layout, what: str) -> None:
        for cell in layout.cells():
            if cell in occupied:
                raise CatalogError(f"{where}: {what} overlaps {occupied[cell]} at row/col {cell}")
            occupied[cell] = what

    for index, raw_section in enumerate(raw["sections"]):
        title = raw_section.get("title") or f"section {index + 1}"
        heading_row = raw_section.get("heading_row")
        if heading_row is not None:
            claim(Layout(heading_row, 0, GRID_COLUMNS, 1), f"heading {title!r}")
        cards = tuple(_card(c, f"{where} section {title!r}") for c in raw_section.get("cards") or ())
        for card in cards:
            claim(card.layout, f"card {card.key!r}")
        sections.append(Section(title=title, heading_row=heading_row, cards=cards))
    dashboard = Dashboard(
        key=str(raw["key"]),
        name=str(raw["name"]),
        description=str(raw.get("description") or ""),
        order=int(raw.get("order", 100)),
        filters=filters,
        sections=tuple(sections),
    )
    keys = [card.key for card in dashboard.cards]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise CatalogError(f"{where}: card(s) {duplicates} appear twice")
    return dashboard


@dataclass(frozen=True)
class Catalog:
    dashboards: tuple[Dashboard, ...]

    @property
    def cards(self) -> dict[str, Card]:
        """Every card by key. A card on two dashboards is one Metabase card, so it must be
        declared identically on both."""
        cards: dict[str, Card] = {}
        for dashboard in self.dashboards:
            for card in dashboard.cards:
                seen = cards.get(card.key)
                if seen is not None and _card_identity(seen) != _card_identity(card):
                    raise CatalogError(f"card {card.key!r} is declared differently on two dashboards")
                cards[card.key] = card
        return cards


def _card_identity(card: Card) -> tuple:
    return (card.name, card.visualization, card.columns, card.x, card.series, card.y,
            tuple(sorted(card.formats.items())), card.goal, card.highlight, card.description,
            tuple(sorted(card.titles.items())), card.y_right, card.reference, card.y_title, card.y_right_title)


def load_catalog(directory: Path | None = None) -> Catalog:
    directory = directory or DASHBOARDS_DIR
    dashboards = tuple(sorted((load_dashboard(path) for path in sorted(directory.glob("*.yaml"))),
                              key=lambda d: (d.order, d.key)))
    keys = [d.key for d in dashboards]
    if len(set(keys)) != len(keys):
        raise CatalogError(f"dashboard keys must be unique, got {keys}")
    catalog = Catalog(dashboards=dashboards)
    catalog.cards  # noqa: B018 - validates that shared cards agree
    return catalog


@cache
def default_catalog() -> Catalog:
    return load_catalog()
