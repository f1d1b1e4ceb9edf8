"""Why did a feature's spend grow? Splitting a week-over-week delta into its drivers.

Method: LMDI-I (log-mean Divisia index), an additive split of a multiplicative identity. For each
week the cost is written exactly as

    cost = calls * tokens_per_call * (1 - cache_hit_rate) * price_per_uncached_token

where `price_per_uncached_token = cost / (tokens * (1 - cache_hit_rate))`: what a token costs when the
cache does not help, so it moves with the model mix and with price changes. With
L = (cost1 - cost0) / ln(cost1 / cost0) (the logarithmic mean of the two costs), factor i contributes

    L * ln(x1_i / x0_i)

and because the logs of the factors add up to ln(cost1 / cost0), the parts add up to the delta
exactly, with no interaction residue and independently of factor order (unlike sequential
substitution). The price factor is derived from the costs, not taken from the mart's rounded
cost_per_1k_tokens, so the identity holds to the cent.

A factor that is zero in either week (no tokens recorded, a 100% cache hit rate) has no logarithm;
its share is left in the unit-price part, so the parts still sum to the delta.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

FACTORS = ("call_volume", "tokens_per_call", "unit_price", "cache_hit_rate")

FACTOR_LABELS = {
    "call_volume": "call volume",
    "tokens_per_call": "tokens per call",
    "unit_price": "unit price (model mix)",
    "cache_hit_rate": "cache-hit rate",
}


@dataclass(frozen=True)
class WeekUsage:
    cost: float
    calls: float
    tokens_per_call: float
    cache_hit_rate: float


def _log_mean(a: float, b: float) -> float:
    if math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _ratio_log(new: float, old: float) -> float | None:
    if new > 0 and old > 0:
        return math.log(new / old)
    return None


def decompose(prev: WeekUsage, current: WeekUsage) -> dict[str, float]:
    """The delta `current.cost - prev.cost`, split into FACTORS (dollars, summing to the delta)."""
    delta = current.cost - prev.cost
    parts = dict.fromkeys(FACTORS, 0.0)
    if prev.cost <= 0 or current.cost <= 0:
        # No log-mean exists from or to zero; the whole change is volume (a feature appearing or
        # disappearing), which is also what a reader would say.
        parts["call_volume"] = delta
        return parts

    weight = _log_mean(current.cost, prev.cost)
    logs = {
        "call_volume": _ratio_log(current.calls, prev.calls),
        "tokens_per_call": _ratio_log(current.tokens_per_call, prev.tokens_per_call),
        "cache_hit_rate": _ratio_log(1 - current.cache_hit_rate, 1 - prev.cache_hit_rate),
    }
    for name, value in logs.items():
        parts[name] = weight * value if value is not None else 0.0
    # The unit-price part is the log of the derived price ratio, which by the identity is the
    # remainder; computing it as the remainder also absorbs any factor that had no logarithm.
    parts["unit_price"] = delta - sum(parts[name] for name in logs)
    return parts


def decompose_row(row: dict) -> dict[str, Decimal]:
    """Decompose one marts.feature_wow row, in cents-exact Decimals that sum to the delta."""

    def week(prefix: str) -> WeekUsage:
        return WeekUsage(
            cost=float(row[f"{prefix}_cost"] or 0),
            calls=float(row[f"{prefix}_calls"] or 0),
            tokens_per_call=float(row[f"{prefix}_tokens_per_call"] or 0),
            cache_hit_rate=float(row[f"{prefix}_cache_hit_rate"] or 0),
        )

    parts = decompose(week("prev"), week("current"))
    delta = Decimal(row["current_cost"] or 0) - Decimal(row["prev_cost"] or 0)
    return round_preserving_sum(parts, delta)


def round_preserving_sum(parts: dict[str, float], total: Decimal, places: int = 2) -> dict[str, Decimal]:
    """Round each part to cents so that the rounded parts still sum to the rounded total: the
    cents lost to rounding go to the parts with the largest remainders (largest-remainder method)."""
    quantum = Decimal(1).scaleb(-places)
    target = total.quantize(quantum, rounding=ROUND_HALF_UP)
    # Through repr at 9 places: float noise a hair below a cent boundary must not cost a cent.
    exact = {name: Decimal(repr(round(value, 9))) for name, value in parts.items()}
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
