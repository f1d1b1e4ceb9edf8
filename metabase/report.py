"""The dashboards without Metabase: one self-contained HTML page rendered from the same card queries.

Runs every card of every dashboard in `metabase/dashboards/` against the warehouse and lays the
results out on the dashboards' own 24-column grid: tables as HTML tables, time series and bars as
inline SVG, headline numbers as big figures. No JavaScript, stylesheet, font or image is loaded
from anywhere: the page must open on a machine with no network.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from metabase.card_queries import CardQueryError, CardResult, run_card
from metabase.catalog import Card, Catalog, Dashboard, default_catalog

MAX_TABLE_ROWS = 50
ROW_HEIGHT_PX = 46  # one Metabase grid row
PALETTE = ["#509EE3", "#88BF4D", "#A989C5", "#EF8C8C", "#F9D45C", "#F2A86F", "#98D9D9", "#7172AD",
           "#6C8CAE", "#C7A46E", "#B5B5B5"]

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       background: #F9FBFC; color: #2E353B; }
header { padding: 18px 28px; background: #fff; border-bottom: 1px solid #EEECEC; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #74838F; font-size: 13px; }
nav a { margin-right: 16px; color: #509EE3; text-decoration: none; font-size: 14px; }
.dashboard { padding: 12px 28px 28px; }
.dashboard > h2 { font-size: 20px; margin: 18px 0 2px; }
.dashboard > p.description { margin: 0 0 8px; color: #74838F; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(24, minmax(0, 1fr));
        grid-auto-rows: ROW_HEIGHT_PXpx; gap: 8px; }
.heading { display: flex; align-items: end; font-size: 17px; font-weight: 700; padding: 0 4px; }
.card { background: #fff; border: 1px solid #EEECEC; border-radius: 8px; padding: 10px 12px;
        overflow: auto; min-width: 0; }
.card h4 { margin: 0 0 6px; font-size: 13px; color: #4C5773; }
.number { font-size: 34px; font-weight: 700; margin-top: 8px; }
.empty { color: #949AAB; font-size: 13px; }
.card-error { color: #B22; font-size: 12px; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th { text-align: left; color: #74838F; font-weight: 600; border-bottom: 1px solid #EEECEC;
     padding: 4px 6px; position: sticky; top: 0; background: #fff; }
td { padding: 4px 6px; border-bottom: 1px solid #F4F4F4; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #FDECEC; }
.more { color: #949AAB; font-size: 11px; margin-top: 4px; }
.progress { margin-top: 14px; }
.progress .bar { position: relative; height: 22px; background: #EDF2F5; border-radius: 4px; overflow: hidden; }
.progress .fill { height: 100%; background: #88BF4D; }
.progress .fill.over { background: #EF8C8C; }
.progress .goal { font-size: 12px; color: #74838F; margin-top: 6px; }
svg text { font-family: inherit; font-size: 10px; fill: #74838F; }
.legend { font-size: 11px; color: #4C5773; margin-top: 2px; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; }
""".replace("ROW_HEIGHT_PX", str(ROW_HEIGHT_PX))


# -- formatting -----------------------------------------------------------------------------

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
            return f"${number:,.2f}" if abs(number) >= 1 or number == 0 else f"${number:,.4f}"
        if fmt == "percent":
            return f"{number * 100:,.1f}%"
        if fmt == "integer":
            return f"{number:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return f"{number:,.2f}" if abs(number) >= 1 else f"{number:,.4f}"
    return str(value)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# -- card bodies ----------------------------------------------------------------------------

def _table(result: CardResult) -> str:
    card = result.card
    flag_index = card.columns.index(card.highlight) if card.highlight else None
    head = "".join(f"<th>{_esc(c)}</th>" for c in result.columns)
    body = []
    for row in result.rows[:MAX_TABLE_ROWS]:
        cells = "".join(
            f'<td class="{"num" if _is_number(v) else ""}">{_esc(format_value(v, card.formats.get(c)))}</td>'
            for c, v in zip(result.columns, row, strict=True)
        )
        flagged = flag_index is not None and row[flag_index] is True
        body.append(f'<tr class="{"flagged" if flagged else ""}">{cells}</tr>')
    more = len(result.rows) - MAX_TABLE_ROWS
    tail = f'<div class="more">{more} more rows not shown</div>' if more > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{tail}"


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


def _series(result: CardResult) -> tuple[list[Any], dict[str, dict[Any, float]]]:
    """Pivot rows into x values and one line per (series value or metric)."""
    card = result.card
    x_index = result.columns.index(card.x)
    s_index = result.columns.index(card.series) if card.series else None
    xs: list[Any] = []
    lines: dict[str, dict[Any, float]] = {}
    for row in result.rows:
        x = row[x_index]
        if x not in xs:
            xs.append(x)
        for metric in card.y:
            name = str(row[s_index]) if s_index is not None else metric
            if s_index is not None and len(card.y) > 1:
                name = f"{name} · {metric}"
            value = row[result.columns.index(metric)]
            lines.setdefault(name, {})[x] = float(value) if value is not None else 0.0
    return xs, lines


def _chart(result: CardResult) -> str:
    card = result.card
    xs, lines = _series(result)
    # Size the drawing like the card it sits in (about 58 px per grid column on a laptop screen),
    # so text stays at its natural size instead of being scaled with the card.
    height = card.layout.size_y * (ROW_HEIGHT_PX + 8) - 8 - 70
    width = card.layout.size_x * 58
    left, right, top, bottom = 56, 10, 8, 22
    plot_w, plot_h = width - left - right, max(40, height - top - bottom)
    values = [v for line in lines.values() for v in line.values()]
    y_max = max(values + [0.0]) or 1.0
    y_min = min(values + [0.0])
    span = (y_max - y_min) or 1.0
    fmt = card.formats.get(card.y[0])

    def y_pos(value: float) -> float:
        return top + plot_h - (value - y_min) / span * plot_h

    parts = [f'<svg viewBox="0 0 {width} {plot_h + top + bottom}" width="100%" role="img" '
             f'aria-label="{_esc(card.name)}" data-series="{len(lines)}">']
    for i in range(5):  # horizontal grid lines with labels
        value = y_min + span * i / 4
        y = y_pos(value)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#EEECEC"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{_esc(format_value(value, fmt))}</text>')
    n = len(xs)
    step = max(1, n // 6)
    if card.visualization == "line":
        def x_pos(i: int) -> float:
            return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        for i in range(0, n, step):
            parts.append(f'<text x="{x_pos(i):.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                         f'{_esc(format_value(xs[i]))}</text>')
        for color, (name, points) in zip(_colors(), lines.items(), strict=False):
            coords = " ".join(f"{x_pos(i):.1f},{y_pos(points.get(x, 0.0)):.1f}" for i, x in enumerate(xs))
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}">'
                         f'<title>{_esc(name)}</title></polyline>')
    else:  # grouped bars
        names = list(lines)
        group_w = plot_w / max(n, 1)
        bar_w = max(1.0, group_w * 0.8 / max(len(names), 1))
        for i, x in enumerate(xs):
            if i % step == 0:
                parts.append(f'<text x="{left + group_w * (i + 0.5):.1f}" y="{top + plot_h + 14}" '
                             f'text-anchor="middle">{_esc(format_value(x))}</text>')
            for j, (color, name) in enumerate(zip(_colors(), names, strict=False)):
                value = lines[name].get(x, 0.0)
                x0 = left + group_w * i + group_w * 0.1 + bar_w * j
                y0, y1 = y_pos(max(value, 0.0)), y_pos(min(value, 0.0))
                parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                             f'fill="{color}"><title>{_esc(format_value(x))}: {_esc(format_value(value, fmt))}'
                             f'</title></rect>')
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{color}"></i>{_esc(name)}</span>'
                     for color, name in zip(_colors(), lines, strict=False))
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _colors():
    while True:
        yield from PALETTE


def render_card(card: Card, result: CardResult | None, error: str | None = None) -> str:
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
        body = _chart(result)
    return (f'<div class="card{" has-error" if error else ""}" style="{style}" data-card="{_esc(card.key)}" '
            f'data-rows="{rows}"><h4>{_esc(card.name)}</h4>{body}</div>')


def render_dashboard(conn: psycopg.Connection, dashboard: Dashboard, values: dict[str, Any]) -> str:
    cells = []
    for section in dashboard.sections:
        if section.heading_row is not None:
            cells.append(f'<div class="heading" style="grid-column:1 / span 24;grid-row:{section.heading_row + 1}'
                         f'" data-section="{_esc(section.title)}">{_esc(section.title)}</div>')
        for card in section.cards:
            try:
                cells.append(render_card(card, run_card(conn, card, values)))
            except CardQueryError as exc:
                # One broken card must not blank the whole report: show the error in its place.
                cells.append(render_card(card, None, str(exc)))
    return (f'<section class="dashboard" id="{_esc(dashboard.key)}"><h2>{_esc(dashboard.name)}</h2>'
            f'<p class="description">{_esc(dashboard.description)}</p>'
            f'<div class="grid">{"".join(cells)}</div></section>')


def _marts_as_of(conn: psycopg.Connection) -> date | None:
    try:
        with conn.transaction(force_rollback=True):
            row = conn.execute("select max(as_of) from marts.spend_summary").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def render_html(conn: psycopg.Connection, as_of: date | None = None, catalog: Catalog | None = None) -> str:
    catalog = catalog or default_catalog()
    # With an explicit as_of the time series show the 30 days ending on it (the same half-open
    # window the cards use by default, anchored on the marts' own as_of).
    values: dict[str, Any] = {}
    if as_of is not None:
        values = {"date_from": as_of - timedelta(days=29), "date_to": as_of + timedelta(days=1)}
    marts_as_of = _marts_as_of(conn)
    shown_as_of = as_of or marts_as_of
    nav = "".join(f'<a href="#{_esc(d.key)}">{_esc(d.name)}</a>' for d in catalog.dashboards)
    dashboards = "".join(render_dashboard(conn, d, values) for d in catalog.dashboards)
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    subtitle = f"Data as of {format_value(shown_as_of)} · generated {generated}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>LLM costs report</title><style>{_CSS}</style></head><body>"
        f"<header><h1>LLM costs</h1><p>{_esc(subtitle)}</p><nav>{nav}</nav></header>"
        f"{dashboards}</body></html>\n"
    )


def write_html_report(path: Path, conn: psycopg.Connection, as_of: date | None = None) -> Path:
    """Write the three dashboards as one self-contained HTML page; returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(conn, as_of), encoding="utf-8")
    return path
