"""Metabase native-query templates, run outside Metabase (tests, the HTML report).

A card's SQL is written for Metabase: `{{tag}}` variables, and optional clauses `[[ ... ]]` that
Metabase drops when a tag inside them has no value. To run the same file against Postgres directly,
`render()` does what Metabase does: it removes optional clauses whose tags are unset and turns every
remaining tag into a bound parameter, so a value can never change the SQL's shape (no quoting, no
string formatting of values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Metabase's tag names: letters, digits, underscores (and it tolerates spaces around the name).
_TAG = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


class TemplateError(ValueError):
    """The template is malformed, or a required tag has no value."""


def template_tags(sql: str) -> list[str]:
    """Every tag the template uses, in first-seen order."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(sql):
        seen.setdefault(match.group(1), None)
    return list(seen)


def required_tags(sql: str) -> list[str]:
    """Tags used outside any optional clause: the query cannot run without them."""
    return template_tags(_OPTIONAL.sub("", sql))


def _check_brackets(sql: str) -> None:
    # Metabase does not nest optional clauses; a stray or nested bracket is a typo we want loud.
    depth = 0
    for index in range(len(sql) - 1):
        pair = sql[index : index + 2]
        if pair == "[[":
            depth += 1
            if depth > 1:
                raise TemplateError("nested optional clauses ('[[' inside '[[') are not supported")
        elif pair == "]]":
            depth -= 1
            if depth < 0:
                raise TemplateError("']]' without a matching '[['")
    if depth != 0:
        raise TemplateError("'[[' without a matching ']]'")


def _is_set(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def render(sql: str, values: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Turn a Metabase template into `(query, params)` for psycopg's `execute(query, params)`.

    Optional clauses with any unset tag are removed whole (Metabase's rule); the brackets of the
    others are dropped. Each remaining `{{tag}}` becomes `%(tag)s`, and literal `%` signs are
    doubled so psycopg does not read them as placeholders. Unset means missing, None or blank.
    """
    _check_brackets(sql)
    values = values or {}

    def keep_or_drop(match: re.Match[str]) -> str:
        body = match.group(1)
        tags = template_tags(body)
        if not tags:
            raise TemplateError(f"optional clause without a tag: [[{body}]]")
        return body if all(_is_set(values.get(tag)) for tag in tags) else ""

    without_optional = _OPTIONAL.sub(keep_or_drop, sql)
    missing = [tag for tag in template_tags(without_optional) if not _is_set(values.get(tag))]
    if missing:
        raise TemplateError(f"required tag(s) without a value: {', '.join(missing)}")

    pieces: list[str] = []
    params: dict[str, Any] = {}
    position = 0
    for match in _TAG.finditer(without_optional):
        pieces.append(without_optional[position : match.start()].replace("%", "%%"))
        tag = match.group(1)
        pieces.append(f"%({tag})s")
        params[tag] = values[tag]
        position = match.end()
    pieces.append(without_optional[position:].replace("%", "%%"))
    return "".join(pieces), params
