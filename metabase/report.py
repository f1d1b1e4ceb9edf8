"""The dashboards without Metabase: one self-contained HTML page rendered from the same card queries.

Runs every card of every dashboard in `metabase/dashboards/` against the warehouse and lays the
results out on the dashboards' own 24-column grid: tables as HTML tables, time series and bars as
inline SVG, headline numbers as big figures. No JavaScript, stylesheet, font or image is loaded
from anywhere: the page must open on a machine with no network.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from metabase.card_queries import CardQueryError, CardResult, run_card
from metabase.catalog import Card, Catalog, Dashboard, default_catalog

MAX_TABLE_ROWS = 50
ROW_HEIGHT_PX = 46  # one Metabase grid row
# Series colours that stay apart from each other (Tableau 10, which is also readable by most
# colour-blind people), in the order series are drawn. Beyond ten series the dashboards group the
# rest into one "other" line, so colours never repeat within a chart.
PALETTE = ["#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#B07AA1", "#76B7B2", "#EDC948", "#9C755F",
           "#FF9DA7", "#BAB0AC", "#2F4B7C"]
REFERENCE_COLOR = "#C0392B"

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       background: #F9FBFC; color: #2E353B; }
header { padding: 18px 28px; background: #fff; border-bottom: 1px solid #EEECEC; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #74838F; font-size: 13px; }
header p.warning { color: #B35900; }
nav a { margin-right: 16px; color: #509EE3; text-decoration: none; font-size: 14px; }
.dashboard { padding: 12px 28px 28px; }
.dashboard > h2 { font-size: 20px; margin: 18px 0 2px; }
.dashboard > p.description { margin: 0 0 8px; color: #74838F; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(24, minmax(0, 1fr));
        grid-auto-rows: ROW_HEIGHT_PXpx; gap: 8px; }
.heading { display: flex; align-items: end; font-size: 17px; font-weight: 700; padding: 0 4px; }
.card { background: #fff; border: 1px solid #EEECEC; border-radius: 8px; padding: 10px 12px;
        overflow-y: auto; overflow-x: auto; min-width: 0; }
.card h4 { margin: 0 0 2px; font-size: 13px; color: #4C5773; }
.card p.card-description { margin: 0 0 6px; font-size: 11px; color: #949AAB; }
.number { font-size: 34px; font-weight: 700; margin-top: 8px; }
.empty { color: #949AAB; font-size: 13px; }
.card-error { color: #B22; font-size: 12px; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th { text-align: left; color: #74838F; font-weight: 600; border-bottom: 1px solid #EEECEC;
     padding: 4px 5px; position: sticky; top: 0; background: #fff; vertical-align: bottom; }
th.num { text-align: right; }
td { padding: 4px 5px; border-bottom: 1px solid #F4F4F4; overflow-wrap: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.flagged td { background: #FDECEC; }
.more { color: #949AAB; font-size: 11px; margin-top: 4px; }
.progress { margin-top: 14px; }
.progress .bar { position: relative; height: 22px; background: #EDF2F5; border-radius: 4px; overflow: hidden; }
.progress .fill { height: 100%; background: #88BF4D; }
.progress .fill.over { background: #EF8C8C; }
.progress .goal { font-size: 12px; color: #74838F; margin-top: 6px; }
svg { display: block; max-width: 100%; }
svg text { font-family: inherit; font-size: 10px; fill: #74838F; }
svg text.axis-title { font-size: 10px; fill: #4C5773; font-weight: 600; }
.legend { font-size: 11px; color: #4C5773; margin-top: 2px; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 14px; height: 3px; margin-right: 4px; vertical-align: middle; }
.legend i.dashed { background: none !important; border-top: 2px dashed; height: 0; }
.chart-note { font-size: 11px; color: #74838F; margin: 2px 0; }
""".replace("ROW_HEIGHT_PX", str(ROW_HEIGHT_PX))


# -- formatting -----------------------------------------------------------------------------

def format_money(number: float) -> str:
    """Dollars to the cent, one way everywhere: "$1,234.56", "$0.05", and "< $0.01" for an amount
    that is not zero but would print as $0.00 (a product owner must not read it as free)."""
    if number != 0 and abs(number) < 0.005:
        return "< $0.01" if number > 0 else "> -$0.01"
    sign = "-" if number < 0 else ""
    return f"{sign}${abs(number):,.2f}"


def format_value(value: Any, fmt: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if fmt == "currency":
            return format_money(number)
        if fmt == "percent":
            return f"{number * 100:,.1f}%"
        if fmt == "integer":
            return f"{number:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return f"{number:,.2f}" if abs(number) >= 1 or number == 0 else f"{number:,.4f}"
    return str(value)


def format_tick(value: float, fmt: str | None, step: float) -> str:
    """An axis label: as few digits as the tick step needs ($0, $5, $10 or 0.5, 1.0, 1.5)."""
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    if fmt == "currency":
        decimals = 0 if step >= 1 else 2  # whole dollars, or cents: never "$0.2"
        return f"{'-' if value < 0 else ''}${abs(value):,.{decimals}f}"
    if fmt == "percent":
        return f"{value * 100:,.{max(0, decimals - 2)}f}%"
    return f"{value:,.{decimals}f}"


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, from a
    multiple of the step, so an axis reads 0, 50, 100, 150 rather than 0, 37.4, 74.8. `whole`:
    counts, whose step is never below 1."""
    if high <= low:
        high = low + 1.0
    raw_step = (high - low) / max(count - 1, 1)
    if whole:
        raw_step = max(raw_step, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _short_day(value: Any) -> str:
    return f"{value:%b} {value.day}" if isinstance(value, date) else format_value(value)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# -- card bodies ----------------------------------------------------------------------------

def _table(result: CardResult) -> str:
    card = result.card
    flag_index = card.columns.index(card.highlight) if card.highlight else None
    numeric = [any(_is_number(row[i]) for row in result.rows) for i in range(len(result.columns))]
    head = "".join(f'<th class="{"num" if numeric[i] else ""}" title="{_esc(c)}">{_esc(card.titles.get(c, c))}</th>'
                   for i, c in enumerate(result.columns))
    body = []
    for row in result.rows[:MAX_TABLE_ROWS]:
        # A missing value in a number column ("—") lines up with the numbers, not the text.
        cells = "".join(
            f'<td class="{"num" if _is_number(v) or (v is None and numeric[i]) else ""}">'
            f'{_esc(format_value(v, card.formats.get(c)))}</td>'
            for i, (c, v) in enumerate(zip(result.columns, row, strict=True))
        )
        flagged = flag_index is not None and row[flag_index] is True
        body.append(f'<tr class="{"flagged" if flagged else ""}">{cells}</tr>')
    note = table_cap_note(len(result.rows), query_row_limit(card.sql))
    tail = f'<div class="more" data-rows-shown="{min(len(result.rows), MAX_TABLE_ROWS)}">{_esc(note)}</div>' \
        if note else ""
    # Above the table, not below it: with thousands of rows the end of a scrolling card is never
    # seen, and a reader must know at first glance that the table is not everything.
    return f"{tail}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_TRAILING_LIMIT = re.compile(r"\blimit\s+(\d+)\s*;?\s*$", re.IGNORECASE)


def query_row_limit(sql: str) -> int | None:
    """The `limit N` a card's query ends with, if any: rows that stop there may not be all rows."""
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines()).strip()
    match = _TRAILING_LIMIT.search(body)
    return int(match.group(1)) if match else None


def table_cap_note(total_rows: int, query_limit: int | None = None, shown: int = MAX_TABLE_ROWS) -> str:
    """What a capped table leaves out, in words: with thousands of users a table shows its top
    rows (in the card's order) and says how many it did not show and where the rest is."""
    stopped = query_limit is not None and total_rows >= query_limit
    if total_rows <= shown and not stopped:
        return ""
    if total_rows <= shown:
        return (f"All {total_rows:,} rows the query returns; it stops at {query_limit:,}, so there may be more "
                "(the full list is in the warehouse).")
    of = f"the first {total_rows:,} rows (the query stops there; there may be more)" if stopped \
        else f"{total_rows:,} rows"
    return (f"Top {shown:,} of {of}, in the order above; {total_rows - shown:,} not shown here. "
            "The Metabase card pages through all of them.")


def _number(result: CardResult) -> str:
    value = result.rows[0][0]
    return f'<div class="number">{_esc(format_value(value, result.card.formats.get(result.columns[0])))}</div>'


def _progress(result: CardResult) -> str:
    card = result.card
    value = float(result.rows[0][0] or 0)
    goal = float(card.goal or 1)
    width = max(0.0, min(100.0, value / goal * 100 if goal else 0))
    fmt = card.formats.get(result.columns[0])
    over = " over" if value > goal else ""
    return (
        f'<div class="number">{_esc(format_value(value, fmt))}</div>'
        f'<div class="progress"><div class="bar"><div class="fill{over}" style="width:{width:.1f}%"></div></div>'
        f'<div class="goal">threshold {_esc(format_value(goal, fmt))}'
        f'{" — exceeded" if value > goal else ""}</div></div>'
    )


@dataclass
class _Line:
    name: str
    metric: str
    points: dict[Any, float | None]
    axis: str = "left"  # "left", "right" or "reference"


def _series(result: CardResult) -> tuple[list[Any], list[_Line]]:
    """Pivot rows into x values and one line per (series value, metric). A missing or NULL value
    stays missing (a gap), never a zero: a projection that has not started is not $0."""
    card = result.card
    x_index = result.columns.index(card.x)
    s_index = result.columns.index(card.series) if card.series else None
    xs: list[Any] = []
    lines: dict[tuple[str, str], _Line] = {}
    metrics = [(m, "left") for m in card.y] + [(m, "right") for m in card.y_right] \
        + [(m, "reference") for m in card.reference]
    for row in result.rows:
        x = row[x_index]
        if x not in xs:
            xs.append(x)
        for metric, axis in metrics:
            title = card.titles.get(metric, metric)
            if s_index is None:
                name = title
            else:
                several = len(card.y) + len(card.y_right) > 1 or axis == "reference"
                name = f"{row[s_index]} · {title}" if several else str(row[s_index])
            line = lines.setdefault((name, metric), _Line(name, metric, {}, axis))
            value = row[result.columns.index(metric)]
            line.points[x] = float(value) if value is not None else None
    return xs, list(lines.values())


def _polyline_segments(coords: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = [[]]
    for point in coords:
        if point is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(point)
    return [segment for segment in segments if segment]


def _chart(result: CardResult, last_complete_day: date | None = None) -> str:
    card = result.card
    xs, lines = _series(result)
    # Size the drawing like the card it sits in (about 48 px per grid column at 1400 px), so
    # text stays near its natural size when the drawing is fitted to the card's width.
    height = card.layout.size_y * (ROW_HEIGHT_PX + 8) - 8 - 130  # title, description, legend
    width = card.layout.size_x * 48
    has_right = any(line.axis == "right" for line in lines)
    left, right, top, bottom = 64, (64 if has_right else 14), 16, 24
    plot_w, plot_h = width - left - right, max(40, height - top - bottom)
    notes: list[str] = []

    def axis_range(values: list[float], fmt: str | None) -> list[float]:
        low, high = min(values + [0.0]), max(values + [0.0])
        whole = fmt == "integer" or (fmt is None and all(float(v).is_integer() for v in values))
        return nice_ticks(low, high if high > low else low + 1.0, whole=whole)

    left_values = [v for line in lines if line.axis == "left" for v in line.points.values() if v is not None]
    right_values = [v for line in lines if line.axis == "right" for v in line.points.values() if v is not None]
    # A reference (a budget limit) is drawn where it falls inside the data's range, or just above
    # it; one far above would squash the data into a flat line at the bottom, so it is named
    # in a note instead.
    data_max = max(left_values + [0.0])
    fmt_left = card.formats.get(card.y[0]) if card.y else None
    for line in lines:
        if line.axis != "reference":
            continue
        levels = [v for v in line.points.values() if v is not None]
        if not levels:
            continue
        level = max(levels)
        if data_max > 0 and level > data_max * 1.5:
            line.axis = "off-chart"
            notes.append(f"{line.name}: {format_value(level, card.formats.get(line.metric))}, above the chart "
                         f"(the highest value shown is {data_max / level:.0%} of it)")
        else:
            left_values.extend(levels)
    left_ticks = axis_range(left_values, fmt_left)
    right_ticks = axis_range(right_values, card.formats.get(card.y_right[0]) if card.y_right else None) \
        if has_right else []

    def y_pos(value: float, ticks: list[float]) -> float:
        return top + plot_h - (value - ticks[0]) / ((ticks[-1] - ticks[0]) or 1.0) * plot_h

    n = len(xs)
    is_bar = card.visualization == "bar"
    group_w = plot_w / max(n, 1)

    def x_pos(i: int) -> float:
        if is_bar:
            return left + group_w * (i + 0.5)
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    last_x = xs[-1] if xs else None
    parts = [f'<svg viewBox="0 0 {width} {plot_h + top + bottom}" width="100%" role="img" '
             f'aria-label="{_esc(card.name)}" data-series="{sum(1 for line in lines if line.axis != "off-chart")}" '
             f'data-last-x="{_esc(last_x.isoformat() if isinstance(last_x, date) else last_x)}" '
             f'data-x-kind="{"date" if isinstance(last_x, date) else "category"}">']
    left_step = left_ticks[1] - left_ticks[0] if len(left_ticks) > 1 else 1.0
    for value in left_ticks:
        y = y_pos(value, left_ticks)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#EEECEC"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{_esc(format_tick(value, fmt_left, left_step))}</text>')
    if has_right:
        fmt_right = card.formats.get(card.y_right[0])
        right_step = right_ticks[1] - right_ticks[0] if len(right_ticks) > 1 else 1.0
        for value in right_ticks:
            y = y_pos(value, right_ticks)
            parts.append(f'<text x="{left + plot_w + 4}" y="{y + 3:.1f}" text-anchor="start">'
                         f'{_esc(format_tick(value, fmt_right, right_step))}</text>')
        parts.append(f'<text class="axis-title" x="{width - 2}" y="10" text-anchor="end">{_esc(card.y_right_title)} →</text>')
    if card.y_title:
        parts.append(f'<text class="axis-title" x="2" y="10" text-anchor="start">← {_esc(card.y_title)}</text>')
    # x labels: about one per 90 px, always including the last (the day a reader checks first).
    step = max(1, math.ceil(n / max(1, plot_w // 90)))
    labelled = sorted(set(range(n - 1, -1, -step)))
    for i in labelled:
        # The outermost labels hang inwards so that none is clipped by the drawing's edge.
        anchor = "end" if i == n - 1 and n > 1 and not is_bar else "start" if i == 0 and n > 1 and not is_bar else "middle"
        parts.append(f'<text x="{x_pos(i):.1f}" y="{top + plot_h + 14}" text-anchor="{anchor}">{_esc(_short_day(xs[i]))}</text>')
    # A chart that runs past the last complete day (a budget month projected to its end, today's
    # checks) marks where complete days end, and says what the later days are.
    if last_complete_day is not None and isinstance(last_x, date) and last_x > last_complete_day:
        complete = [i for i, x in enumerate(xs) if isinstance(x, date) and x <= last_complete_day]
        if is_bar:
            xm = left + group_w * (complete[-1] + 1 if complete else 0)
        else:
            xm = x_pos(complete[-1]) if complete else left
        parts.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#949AAB" '
                     f'stroke-dasharray="2,3" data-marks="last-complete-day"/>')
        notes.append(f"Days after {last_complete_day.isoformat()} (dotted line) are not complete: "
                     "today so far, or a projection.")
    drawn = [line for line in lines if line.axis != "off-chart"]
    colors = dict(zip([line.name for line in drawn if line.axis != "reference"], _colors(), strict=False))
    if is_bar:
        bars = [line for line in drawn if line.axis != "reference"]
        bar_w = max(1.0, group_w * 0.8 / max(len(bars), 1))
        for i, x in enumerate(xs):
            for j, line in enumerate(bars):
                value = line.points.get(x)
                if value is None:
                    continue
                ticks = right_ticks if line.axis == "right" else left_ticks
                x0 = left + group_w * i + group_w * 0.1 + bar_w * j
                y0, y1 = y_pos(max(value, 0.0), ticks), y_pos(min(value, 0.0), ticks)
                parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                             f'fill="{colors[line.name]}"><title>{_esc(line.name)}, {_esc(format_value(x))}: '
                             f'{_esc(format_value(value, card.formats.get(line.metric)))}</title></rect>')
    # Drawn last to first, so the first metric (actual spend, before a projection) lies on top.
    for line in reversed(drawn):
        if is_bar and line.axis != "reference":
            continue
        ticks = right_ticks if line.axis == "right" else left_ticks
        coords = [(x_pos(i), y_pos(line.points[x], ticks)) if line.points.get(x) is not None else None
                  for i, x in enumerate(xs)]
        color = REFERENCE_COLOR if line.axis == "reference" else colors[line.name]
        dash = ' stroke-dasharray="6,4"' if line.axis in ("right", "reference") else ""
        for segment in _polyline_segments(coords):
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{points}">'
                         f'<title>{_esc(line.name)}</title></polyline>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="{"dashed" if line.axis in ("right", "reference") else ""}" style="background:'
        f'{REFERENCE_COLOR if line.axis == "reference" else colors[line.name]};border-color:'
        f'{REFERENCE_COLOR if line.axis == "reference" else colors[line.name]}"></i>{_esc(line.name)}'
        f'{" (right axis)" if line.axis == "right" else ""}</span>'
        for line in drawn)
    note = "".join(f'<p class="chart-note">{_esc(text)}</p>' for text in notes)
    return note + "".join(parts) + f'<div class="legend">{legend}</div>'


def _colors():
    while True:
        yield from PALETTE


@dataclass(frozen=True)
class ReportWindow:
    """The days the dashboards cover, read from marts.reporting_window (the one definition)."""

    window_start: date
    window_end: date  # exclusive: the as_of day, which may be partial
    last_complete_day: date


def render_card(card: Card, result: CardResult | None, error: str | None = None,
                window: ReportWindow | None = None) -> str:
    layout = card.layout
    style = (f"grid-column:{layout.col + 1} / span {layout.size_x};"
             f"grid-row:{layout.row + 1} / span {layout.size_y}")
    rows = len(result.rows) if result else 0
    if error is not None:
        body = f'<div class="card-error">{_esc(error)}</div>'
    elif not result or not result.rows:
        body = '<div class="empty">No data</div>'
    elif card.visualization == "table":
        body = _table(result)
    elif card.visualization == "number":
        body = _number(result)
    elif card.visualization == "progress":
        body = _progress(result)
    else:
        body = _chart(result, window.last_complete_day if window else None)
    # Cards whose default window is marts.reporting_window say so: the browser test checks
    # that their charts end at the last complete day.
    windowed = ' data-window="reporting"' if "marts.reporting_window" in card.sql else ""
    description = f'<p class="card-description">{_esc(card.description)}</p>' if card.description else ""
    return (f'<div class="card{" has-error" if error else ""}" style="{style}" data-card="{_esc(card.key)}" '
            f'data-rows="{rows}"{windowed}>'
            f'<h4>{_esc(card.name)}</h4>{description}{body}</div>')


def render_dashboard(conn: psycopg.Connection, dashboard: Dashboard, values: dict[str, Any],
                     window: ReportWindow | None = None) -> str:
    cells = []
    for section in dashboard.sections:
        if section.heading_row is not None:
            cells.append(f'<div class="heading" style="grid-column:1 / span 24;grid-row:{section.heading_row + 1}'
                         f'" data-section="{_esc(section.title)}">{_esc(section.title)}</div>')
        for card in section.cards:
            try:
                cells.append(render_card(card, run_card(conn, card, values), window=window))
            except CardQueryError as exc:
                # One broken card must not blank the whole report: show the error in its place.
                cells.append(render_card(card, None, str(exc), window=window))
    return (f'<section class="dashboard" id="{_esc(dashboard.key)}"><h2>{_esc(dashboard.name)}</h2>'
            f'<p class="description">{_esc(dashboard.description)}</p>'
            f'<div class="grid">{"".join(cells)}</div></section>')


def report_window(conn: psycopg.Connection) -> ReportWindow | None:
    try:
        with conn.transaction(force_rollback=True):
            row = conn.execute(
                "select window_start, window_end, last_complete_day from marts.reporting_window").fetchone()
    except psycopg.Error:
        return None
    return ReportWindow(*row) if row else None


def render_html(conn: psycopg.Connection, as_of: date | None = None, catalog: Catalog | None = None) -> str:
    catalog = catalog or default_catalog()
    # No date filter is passed: every card uses its default window, marts.reporting_window, the
    # same days the headline tiles add up (one definition, in dbt). The report shows the marts as
    # built; an `as_of` other than theirs is said in the header, not silently re-windowed.
    values: dict[str, Any] = {}
    window = report_window(conn)
    nav = "".join(f'<a href="#{_esc(d.key)}">{_esc(d.name)}</a>' for d in catalog.dashboards)
    dashboards = "".join(render_dashboard(conn, d, values, window) for d in catalog.dashboards)
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    if window is not None:
        subtitle = (f"Data through {window.last_complete_day.isoformat()}, the last complete day (UTC) · "
                    f"30 days from {window.window_start.isoformat()} · generated {generated}")
    else:
        subtitle = f"The marts are not built yet (run `llmcosts build`) · generated {generated}"
    warning = ""
    if as_of is not None and window is not None and as_of != window.window_end:
        warning = (f'<p class="warning">Asked for as of {as_of.isoformat()}, but the marts were built as of '
                   f'{window.window_end.isoformat()}: run `llmcosts build --as-of {as_of.isoformat()}` first.</p>')
    last_day = window.last_complete_day.isoformat() if window else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>LLM costs report</title><style>{_CSS}</style></head><body>"
        f'<header data-last-complete-day="{_esc(last_day)}"><h1>LLM costs</h1><p>{_esc(subtitle)}</p>{warning}'
        f"<nav>{nav}</nav></header>"
        f"{dashboards}</body></html>\n"
    )


def write_html_report(path: Path, conn: psycopg.Connection, as_of: date | None = None) -> Path:
    """Write the three dashboards as one self-contained HTML page; returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(conn, as_of), encoding="utf-8")
    return path
