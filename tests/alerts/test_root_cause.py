"""The root-cause split: pure functions, no database.

Each synthetic week is built from what a warehouse holds (calls, input/output tokens, cache-read
and cache-write tokens, a model's list price per token type) and priced with the same formula as
raw.call_cost; the cache factor is computed the way marts.feature_wow computes it (each token type
at its rate relative to the model's input rate). One week pair per driver must put >= 95% of the
delta on that driver, with the right sign."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import pytest

from alerts.formatting import money, percent, signed_money
from alerts.root_cause import (
    COST_PER_CALL,
    FACTORS,
    PRICE_AND_CACHE,
    WeekUsage,
    decompose,
    decompose_row,
    round_preserving_sum,
)

# USD per million tokens: input, output, cache read, cache write (list prices of late 2025)
PRICES = {
    "claude-sonnet": (3.0, 15.0, 0.30, 3.75),
    "claude-haiku": (0.80, 4.0, 0.08, 1.0),  # the same rate ratios as sonnet, a quarter of the price
    "gpt-4o": (2.50, 10.0, 1.25, 2.50),
}


@dataclass(frozen=True)
class Traffic:
    """One model's share of a week: calls and per-call token counts."""

    model: str
    calls: int
    input_per_call: float
    output_per_call: float
    read_share: float  # cache-read tokens / input tokens
    write_share: float = 0.0
    price_scale: float = 1.0  # a list-price change (the rates of PRICES at as_of stay the reference)


def week(*traffic: Traffic) -> WeekUsage:
    cost = calls = tokens = list_units = billed_units = 0.0
    for t in traffic:
        inp, out, read, write = PRICES[t.model]
        i = t.calls * t.input_per_call
        o = t.calls * t.output_per_call
        r, w = i * t.read_share, i * t.write_share
        # raw.call_cost, at the price the call was made at
        cost += ((i - r - w) * inp + r * read + w * write + o * out) * t.price_scale / 1e6
        calls += t.calls
        tokens += i + o
        # marts.feature_wow: rates relative to the model's input rate, from the as_of list price
        list_units += i + o * out / inp
        billed_units += (i - r - w) + r * read / inp + w * write / inp + o * out / inp
    return WeekUsage(cost=cost, calls=calls, tokens_per_call=tokens / calls, cache_cost_factor=billed_units / list_units)


BASE = Traffic("claude-sonnet", 10_000, 3000, 400, read_share=0.18)

DRIVERS = [
    ("call_volume", BASE, Traffic("claude-sonnet", 18_000, 3000, 400, 0.18)),
    ("call_volume", BASE, Traffic("claude-sonnet", 6_000, 3000, 400, 0.18)),
    ("tokens_per_call", BASE, Traffic("claude-sonnet", 10_000, 5800, 770, 0.18)),
    ("price_per_token", BASE, Traffic("claude-haiku", 10_000, 3000, 400, 0.18)),  # a model switch
    ("price_per_token", Traffic("claude-haiku", 10_000, 3000, 400, 0.18), BASE),  # and back
    ("price_per_token", BASE, Traffic("claude-sonnet", 10_000, 3000, 400, 0.18, price_scale=1.4)),
    # the demo's symptom: every call reads some cache in both weeks; only the token share moves
    ("cache", BASE, Traffic("claude-sonnet", 10_000, 3000, 400, read_share=0.02)),
    ("cache", BASE, Traffic("claude-sonnet", 10_000, 3000, 400, read_share=0.70)),
    ("cache", BASE, Traffic("claude-sonnet", 10_000, 3000, 400, 0.18, write_share=0.30)),
]


@pytest.mark.parametrize(("driver", "prev", "current"), DRIVERS)
def test_one_driver_per_week_pair_takes_at_least_95_percent_with_its_sign(driver, prev, current):
    p, c = week(prev), week(current)
    result = decompose(p, c)
    delta = c.cost - p.cost
    assert abs(delta) > 1
    assert set(result.parts) == set(FACTORS)
    assert sum(result.parts.values()) == pytest.approx(delta, abs=1e-9)
    assert result.parts[driver] / delta >= 0.95  # same sign, and nearly all of it
    assert result.notes == ()


def test_a_switch_to_a_model_with_another_cache_discount_moves_price_more_than_cache():
    # gpt-4o discounts cache reads by half, sonnet by 90%: the switch is mostly price, and the
    # lost discount shows as cache, which is what it is.
    p, c = week(BASE), week(Traffic("gpt-4o", 10_000, 3000, 400, 0.18))
    parts = decompose(p, c).parts
    assert abs(parts["price_per_token"]) > abs(parts["cache"]) > 0
    assert parts["cache"] > 0  # less discount: costs more


def test_the_sum_identity_holds_to_the_cent_on_random_week_pairs():
    # Property-style: seeded random mixes of models, volumes, token sizes and cache shares.
    rng = random.Random(15)

    def random_week() -> list[Traffic]:
        return [
            Traffic(model, rng.randint(1, 50_000), rng.uniform(1, 8000), rng.uniform(0, 2000),
                    read_share=rng.choice([0.0, rng.uniform(0, 0.6)]), write_share=rng.choice([0.0, rng.uniform(0, 0.3)]),
                    price_scale=rng.choice([1.0, rng.uniform(0.5, 2)]))
            for model in rng.sample(sorted(PRICES), rng.randint(1, 3))
        ]

    for _ in range(500):
        p, c = week(*random_week()), week(*random_week())
        result = decompose(p, c)
        assert sum(result.parts.values()) == pytest.approx(c.cost - p.cost, rel=1e-9, abs=1e-9)
        delta = (Decimal(repr(c.cost)) - Decimal(repr(p.cost)))
        rounded = round_preserving_sum(result.parts, delta)
        assert sum(rounded.values()) == delta.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_two_drivers_split_by_their_log_ratios():
    # calls x2 and tokens per call x2: equal log ratios, so equal dollar parts.
    prev = WeekUsage(cost=10.0, calls=1000, tokens_per_call=1000, cache_cost_factor=1.0)
    cur = WeekUsage(cost=40.0, calls=2000, tokens_per_call=2000, cache_cost_factor=1.0)
    parts = decompose(prev, cur).parts
    assert parts["call_volume"] == pytest.approx(parts["tokens_per_call"]) == pytest.approx(15.0)
    assert parts["cache"] == pytest.approx(0) and parts["price_per_token"] == pytest.approx(0)


def test_what_cannot_be_computed_is_said_in_words_and_the_parts_still_sum():
    # No token counts last week: calls are split from everything else, and the note says why.
    prev = WeekUsage(cost=10.0, calls=100, tokens_per_call=None, cache_cost_factor=None)
    cur = WeekUsage(cost=30.0, calls=200, tokens_per_call=500, cache_cost_factor=0.8)
    result = decompose(prev, cur)
    assert set(result.parts) == {"call_volume", COST_PER_CALL}
    assert sum(result.parts.values()) == pytest.approx(20.0)
    assert result.notes == ("no token counts recorded last week: tokens, price and cache cannot be told apart",)

    # No cache factor in one week: price and cache are one part, said so.
    prev = WeekUsage(cost=10.0, calls=100, tokens_per_call=100, cache_cost_factor=None)
    result = decompose(prev, cur)
    assert set(result.parts) == {"call_volume", "tokens_per_call", PRICE_AND_CACHE}
    assert sum(result.parts.values()) == pytest.approx(20.0)
    assert "could not be measured" in result.notes[0]


def test_rounded_parts_sum_to_the_rounded_delta():
    parts = {"a": 1.005, "b": 2.004, "c": 3.003, "d": -0.0000000001}
    rounded = round_preserving_sum(parts, Decimal("6.012"))
    assert sum(rounded.values()) == Decimal("6.01")
    assert all(v == v.quantize(Decimal("0.01")) for v in rounded.values())
    assert rounded["d"] == Decimal("0.00") and str(rounded["d"]) == "0.00"


def test_decompose_row_on_a_mart_row_sums_to_the_cent():
    row = {
        "prev_cost": Decimal("49.00"), "current_cost": Decimal("162.00"),
        "prev_calls": 4900, "current_calls": 6200,
        "prev_tokens_per_call": Decimal("1000.00"), "current_tokens_per_call": Decimal("1322.58"),
        "prev_cache_cost_factor": 1.0, "current_cache_cost_factor": 1.0,
    }
    parts, notes = decompose_row(row)
    assert sum(parts.values()) == Decimal("113.00")
    assert parts["cache"] == 0 and notes == ()


def test_number_formats_round_half_up():
    assert money(Decimal("22.935")) == "$22.94"
    assert money(Decimal("1234.5")) == "$1,234.50"
    assert signed_money(Decimal("-3.1")) == "-$3.10"
    assert signed_money(0) == "+$0.00"
    assert percent(Decimal("84.5")) == "85%"
    assert percent(Decimal("12.5")) == "13%"  # Python's round() would say 12
