"""The root-cause split: pure functions, no database."""

import itertools
from decimal import Decimal

import pytest

from alerts.formatting import money, percent, signed_money
from alerts.root_cause import FACTORS, WeekUsage, decompose, decompose_row, round_preserving_sum


def _week(calls, tokens_per_call, hit_rate, price_per_uncached_token):
    cost = calls * tokens_per_call * (1 - hit_rate) * price_per_uncached_token
    return WeekUsage(cost=cost, calls=calls, tokens_per_call=tokens_per_call, cache_hit_rate=hit_rate)


CASES = list(
    itertools.product(
        [100, 1850],  # calls
        [800, 2400],  # tokens per call
        [0.0, 0.35, 0.9],  # cache-hit rate
        [1e-5, 3.7e-5],  # price per uncached token
    )
)


@pytest.mark.parametrize("prev", CASES[::3])
@pytest.mark.parametrize("current", CASES[1::4])
def test_parts_sum_to_the_delta(prev, current):
    p, c = _week(*prev), _week(*current)
    parts = decompose(p, c)
    assert set(parts) == set(FACTORS)
    assert sum(parts.values()) == pytest.approx(c.cost - p.cost, abs=1e-9)


@pytest.mark.parametrize(
    ("changed", "current"),
    [
        ("call_volume", (3000, 1000, 0.2, 2e-5)),
        ("tokens_per_call", (1000, 2500, 0.2, 2e-5)),
        ("cache_hit_rate", (1000, 1000, 0.6, 2e-5)),
        ("unit_price", (1000, 1000, 0.2, 5e-5)),
    ],
)
def test_a_single_changed_driver_takes_the_whole_delta(changed, current):
    prev = _week(1000, 1000, 0.2, 2e-5)
    cur = _week(*current)
    parts = decompose(prev, cur)
    assert parts[changed] == pytest.approx(cur.cost - prev.cost, rel=1e-9)
    for other in set(FACTORS) - {changed}:
        assert parts[other] == pytest.approx(0, abs=1e-9)


def test_two_drivers_split_by_their_log_ratios():
    # calls x2 and tokens per call x2: equal log ratios, so equal dollar parts.
    prev = _week(1000, 1000, 0.0, 1e-5)
    cur = _week(2000, 2000, 0.0, 1e-5)
    parts = decompose(prev, cur)
    assert parts["call_volume"] == pytest.approx(parts["tokens_per_call"]) == pytest.approx(15.0)


def test_unloggable_factors_still_sum():
    # A 100% cache-hit rate has no log of (1 - rate): its share lands in the unit-price part.
    prev = WeekUsage(cost=10.0, calls=100, tokens_per_call=100, cache_hit_rate=1.0)
    cur = WeekUsage(cost=30.0, calls=200, tokens_per_call=0, cache_hit_rate=0.5)
    parts = decompose(prev, cur)
    assert sum(parts.values()) == pytest.approx(20.0)


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
        "prev_cache_hit_rate": Decimal("0"), "current_cache_hit_rate": Decimal("0"),
    }
    parts = decompose_row(row)
    assert sum(parts.values()) == Decimal("113.00")
    assert parts["cache_hit_rate"] == 0


def test_number_formats_round_half_up():
    assert money(Decimal("22.935")) == "$22.94"
    assert money(Decimal("1234.5")) == "$1,234.50"
    assert signed_money(Decimal("-3.1")) == "-$3.10"
    assert signed_money(0) == "+$0.00"
    assert percent(Decimal("84.5")) == "85%"
    assert percent(Decimal("12.5")) == "13%"  # Python's round() would say 12
