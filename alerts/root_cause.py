"""Why did a feature's spend grow? Splitting a week-over-week delta into its drivers.

The identity. For each week the cost is written exactly as

    cost = calls * tokens_per_call * price_per_token * cache_cost_factor

- `tokens_per_call`: all tokens (input and output) over calls;
- `cache_cost_factor`: what the week's tokens cost after the cache over what they would have cost
  with no cache, from the TOKEN shares (cache-read and cache-write tokens over input tokens), each
  token type at its own rate relative to its model's input rate (marts.feature_wow). The rates are
  the list prices at as_of for both weeks, so the factor moves only when cache use moves;
- `price_per_token = cost / (tokens * cache_cost_factor)`: the price of a token before the cache's
  discount, so it moves with the model mix and with list-price changes, and with nothing else.

Method: LMDI-I (log-mean Divisia index), an additive split of that multiplicative identity. With
L = (cost1 - cost0) / ln(cost1 / cost0), factor i contributes L * ln(x1_i / x0_i); the logs of the
factors add up to ln(cost1 / cost0), so the parts add up to the delta exactly, with no interaction
residue and independently of factor order. The price factor is derived from the costs, so the
identity holds to the cent.

What cannot be computed is said, never shown as a number: a week without token counts gets one
`cost per call` part (calls split from everything else) and the message says why; a week without a
usable cache factor merges the cache into the price part, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

# In the order of the identity, which is also the order of the "why" line.
FACTORS = ("call_volume", "tokens_per_call", "price_per_token", "cache")
# Used instead of tokens_per_call + price_per_token + cache when a week has no token counts.
COST_PER_CALL = "cost_per_call"
# Used instead of price_per_token + cache when the cache factor is unknown in a week.
PRICE_AND_CACHE = "price_and_cache"

FACTOR_LABELS = {
    "call_volume": "call volume",
    "tokens_per_call": "tokens per call",
    "price_per_token": "price per token (model mix, list prices)",
    "cache": "cache",
    COST_PER_CALL: "cost per call",
    PRICE_AND_CACHE: "price per token and cache together",
}


@dataclass(frozen=True)
class WeekUsage:
    cost: float
    calls: float
    tokens_per_call: float | None
    # cost after the cache / cost with no cache; None when it cannot be computed
    cache_cost_factor: float | None = 1.0


@dataclass(frozen=True)
class Decomposition:
    """Dollar parts that sum to the delta, and what could not be split, in words."""

    parts: dict[str, float]
    notes: tuple[str, ...] = field(default=())


def _log_mean(a: float, b: float) -> float:
    if math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _positive(*values: float | None) -> bool:
    return all(v is not None and v > 0 and math.isfinite(v) for v in values)


def decompose(prev: WeekUsage, current: WeekUsage) -> Decomposition:
    """The delta `current.cost - prev.cost`, split into drivers (dollars, summing to the delta)."""
    delta = current.cost - prev.cost
    if not _positive(prev.cost, current.cost, prev.calls, current.calls):
        # No log-mean exists from or to zero; a feature appearing or disappearing is volume, which
        # is also what a reader would say.
        return Decomposition({"call_volume": delta}, ("one of the weeks has no spend or no calls",))

    weight = _log_mean(current.cost, prev.cost)

    def part(new: float, old: float) -> float:
        return weight * math.log(new / old)

    parts = {"call_volume": part(current.calls, prev.calls)}
    notes: list[str] = []
    if not _positive(prev.tokens_per_call, current.tokens_per_call):
        week = "last week" if not _positive(prev.tokens_per_call) else "this week"
        parts[COST_PER_CALL] = delta - parts["call_volume"]
        notes.append(f"no token counts recorded {week}: tokens, price and cache cannot be told apart")
        return Decomposition(parts, tuple(notes))

    parts["tokens_per_call"] = part(current.tokens_per_call, prev.tokens_per_call)
    if _positive(prev.cache_cost_factor, current.cache_cost_factor):
        parts["cache"] = part(current.cache_cost_factor, prev.cache_cost_factor)
        # The price part is the log of the derived price ratio, which by the identity is the
        # remainder; computing it so keeps the sum exact whatever the float noise.
        parts["price_per_token"] = delta - parts["call_volume"] - parts["tokens_per_call"] - parts["cache"]
    else:
        parts[PRICE_AND_CACHE] = delta - parts["call_volume"] - parts["tokens_per_call"]
        notes.append("the cache's effect could not be measured (no input tokens priced in one of the weeks)")
    return Decomposition(parts, tuple(notes))


def _float(value) -> float | None:
    return None if value is None else float(value)


def week_from_row(row: dict, prefix: str) -> WeekUsage:
    return WeekUsage(
        cost=float(row[f"{prefix}_cost"] or 0),
        calls=float(row[f"{prefix}_calls"] or 0),
        tokens_per_call=_float(row.get(f"{prefix}_tokens_per_call")),
        cache_cost_factor=_float(row.get(f"{prefix}_cache_cost_factor")),
    )


def decompose_row(row: dict) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    """Decompose one marts.feature_wow row into cents-exact Decimals that sum to the delta."""
    result = decompose(week_from_row(row, "prev"), week_from_row(row, "current"))
    delta = Decimal(row["current_cost"] or 0) - Decimal(row["prev_cost"] or 0)
    return round_preserving_sum(result.parts, delta), result.notes


def round_preserving_sum(parts: dict[str, float], total: Decimal, places: int = 2) -> dict[str, Decimal]:
    """Round each part to cents so that the rounded parts still sum to the rounded total: the
    cents lost to rounding go to the parts with the largest remainders (largest-remainder method)."""
    quantum = Decimal(1).scaleb(-places)
    target = total.quantize(quantum, rounding=ROUND_HALF_UP)
    # Through repr at 9 places: float noise a hair below a cent boundary must not cost a cent.
    exact = {name: Decimal(repr(round(float(value), 9))) for name, value in parts.items()}
    floors = {name: value.quantize(quantum, rounding=ROUND_FLOOR) for name, value in exact.items()}
    missing_cents = int((target - sum(floors.values())) / quantum)
    by_remainder = sorted(parts, key=lambda name: (exact[name] - floors[name], name), reverse=True)
    if missing_cents < 0:
        by_remainder.reverse()
    step = quantum if missing_cents >= 0 else -quantum
    for i in range(abs(missing_cents)):
        floors[by_remainder[i % len(by_remainder)]] += step
    # -0.00 reads oddly in a Slack message
    return {name: (value.copy_abs() if value.is_zero() else value) for name, value in floors.items()}
