"""Number formatting shared by every message: dollars with 2 decimals, percentages as integers,
both rounded half-up (not Python's banker's rounding, which would print 12.5% as 12%)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def money(value) -> str:
    amount = _dec(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def unit_money(value) -> str:
    """Prices per 1k tokens are fractions of a cent apart: 4 decimals."""
    return f"${_dec(value).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):,.4f}"


def signed_money(value) -> str:
    amount = _dec(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ("-" if amount < 0 else "+") + f"${abs(amount):,.2f}"


def percent(value) -> str:
    """`value` is already in percent (85.0 -> '85%')."""
    return f"{_dec(value).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}%"


def share(fraction) -> str:
    """A fraction as a percentage (0.2 -> '20%')."""
    return percent(_dec(fraction) * 100)


def count(value) -> str:
    return f"{_dec(value).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}"


def ratio(value) -> str:
    return f"{_dec(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}x"


def code(name) -> str:
    # Backticks inside a name would end the code span early; Slack has no escape for them.
    return "`" + str(name).replace("`", "'") + "`"
