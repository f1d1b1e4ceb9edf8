"""The budgets file: parse, validate, expand per-tier user ceilings, report hierarchy problems.

A budget is `scope` (+ `value`, or `*` for each member separately), `period`, `limit_usd`, soft
`thresholds` and a `hard_limit`. Every validation error names the file, the budget and the field,
and says what is wrong, so a bad edit fails the load with a message a reviewer can act on.

Environment (read when called, never at import):
- `LLMCOSTS_BUDGETS_FILE`: the budgets file; default `alerts/budgets.yml`.
- `LLMCOSTS_BUDGET_TENANT_KEY`: overrides the file's `settings.tenant_key` (metadata key naming
  the tenant of a call; default `tenant`).
- `LLMCOSTS_BUDGET_THROTTLE_PERCENT`: overrides `settings.throttle_at_percent` (default 90).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from llmcosts_core.settings import PROJECT_ROOT, ConfigError, env_str

DEFAULT_BUDGETS_FILE = PROJECT_ROOT / "alerts" / "budgets.yml"
SCOPES = ("global", "project", "environment", "tenant", "feature", "model", "provider", "tier", "user")
CALENDAR_PERIODS = ("daily", "weekly", "monthly")
ALL_MEMBERS = "*"
GLOBAL_MEMBER = "(all)"
DEFAULT_THRESHOLDS = (Decimal("0.5"), Decimal("0.75"), Decimal("0.9"))
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
_ROLLING_RE = re.compile(r"^rolling\s*:?\s*(\d+)\s*(?:days?|d)?$", re.IGNORECASE)


class BudgetFileError(ConfigError):
    """The budgets file is invalid. `problems` lists every error found, not only the first.

    The message is ONE line naming every problem: whatever shows an error (the CLI's last line, a
    Dagster failure's description, a log) shows all of them, not the first or the last."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        n = len(self.problems)
        listed = "; ".join(f"({i}) {p}" for i, p in enumerate(self.problems, 1))
        super().__init__(f"{self.path}: {n} problem{'s' if n != 1 else ''}: {listed}")

    def report(self) -> str:
        """The same, one problem per line, for a terminal."""
        return f"{self.path}: {len(self.problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in self.problems)


@dataclass(frozen=True)
class Period:
    kind: str  # daily | weekly | monthly | rolling
    days: int | None = None  # rolling only

    @property
    def label(self) -> str:
        return f"rolling {self.days} days" if self.kind == "rolling" else self.kind

    def report_bounds(self, as_of: date) -> tuple[date, date]:
        """The period the marts report for `as_of` (exclusive end of the data): the one containing
        the last complete day, as_of - 1. Half-open [start, end). A rolling window ends at as_of."""
        if self.kind == "rolling":
            return as_of - timedelta(days=self.days or 0), as_of
        return self.bounds_containing(as_of - timedelta(days=1))

    def bounds_containing(self, day: date) -> tuple[date, date]:
        """The calendar period containing `day` (weeks start on Monday); for a rolling window, the
        `days` days ending with `day` (inclusive)."""
        if self.kind == "daily":
            return day, day + timedelta(days=1)
        if self.kind == "weekly":
            start = day - timedelta(days=day.weekday())
            return start, start + timedelta(days=7)
        if self.kind == "monthly":
            start = day.replace(day=1)
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return start, end
        return day - timedelta(days=(self.days or 1) - 1), day + timedelta(days=1)


@dataclass(frozen=True)
class Budget:
    name: str
    scope: str
    value: str  # a member, or '*' (each member separately); '(all)' for global
    period: Period
    limit_usd: Decimal | None  # None = unlimited
    thresholds: tuple[Decimal, ...] = DEFAULT_THRESHOLDS  # fractions of the limit
    hard_limit: Decimal = Decimal(1)
    filters: dict[str, str] = field(default_factory=dict)
    parent: str | None = None
    source: str = "budgets"  # budgets | user_ceilings

    @property
    def per_member(self) -> bool:
        return self.value == ALL_MEMBERS


@dataclass(frozen=True)
class CreditTopup:
    scope: str  # tenant | user
    member: str
    at: datetime
    amount_usd: Decimal
    note: str | None = None


@dataclass(frozen=True)
class BudgetSettings:
    tenant_key: str = "tenant"
    cost_centre_key: str = "cost_centre"
    shared_values: tuple[str, ...] = ("shared",)
    default_tier: str = "free"
    throttle_at: Decimal = Decimal("0.9")

    def as_rows(self) -> dict[str, str]:
        return {
            "tenant_key": self.tenant_key,
            "cost_centre_key": self.cost_centre_key,
            "shared_values": ",".join(self.shared_values),
            "default_tier": self.default_tier,
            "throttle_at": str(self.throttle_at),
        }


@dataclass(frozen=True)
class BudgetFile:
    path: str
    settings: BudgetSettings
    budgets: tuple[Budget, ...]
    topups: tuple[CreditTopup, ...] = ()
    # Not errors: a child budget whose limit exceeds its parent's, and the like.
    warnings: tuple[str, ...] = ()

    def by_name(self) -> dict[str, Budget]:
        return {b.name: b for b in self.budgets}


def budgets_file_path() -> Path:
    raw = (env_str("LLMCOSTS_BUDGETS_FILE") or "")
    return Path(raw).expanduser().resolve() if raw else DEFAULT_BUDGETS_FILE


# -- parsing helpers: each returns a value or appends a problem and returns None -------------------


def _money(raw: Any, where: str, problems: list[str], *, allow_unlimited: bool = True) -> Decimal | None:
    if isinstance(raw, str) and raw.strip().lower() == "unlimited" and allow_unlimited:
        return None
    if isinstance(raw, bool) or raw is None:
        problems.append(f"{where}: must be an amount in USD (e.g. 5 or \"$0.50\") or 'unlimited', got {raw!r}")
        return None
    text = str(raw).strip().replace(",", "")
    text = text[1:] if text.startswith("$") else text
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"{where}: must be an amount in USD (e.g. 5 or \"$0.50\") or 'unlimited', got {raw!r}")
        return None
    if not value.is_finite() or value < 0:
        problems.append(f"{where}: must be a non-negative amount, got {raw!r}")
        return None
    return value


def _percent(raw: Any, where: str, problems: list[str]) -> Decimal | None:
    text = str(raw).strip()
    text = text[:-1] if text.endswith("%") else text
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"{where}: must be a percentage (e.g. 75 or \"75%\"), got {raw!r}")
        return None
    if isinstance(raw, bool) or not value.is_finite() or value <= 0:
        problems.append(f"{where}: must be a percentage above 0, got {raw!r}")
        return None
    return value / 100


def parse_period(raw: Any, where: str, problems: list[str]) -> Period | None:
    """`daily`, `weekly`, `monthly`, `rolling: N days` (string), or `{rolling: N}` (mapping)."""
    if isinstance(raw, dict) and set(raw) == {"rolling"}:
        raw = f"rolling {raw['rolling']}"
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in CALENDAR_PERIODS:
            return Period(text)
        match = _ROLLING_RE.match(text)
        if match:
            days = int(match.group(1))
            if 1 <= days <= 90:  # the dbt history window (budget_history_days, 160) must cover it
                return Period("rolling", days)
            problems.append(f"{where}: a rolling window must be 1 to 90 days, got {days}")
            return None
    problems.append(f"{where}: must be daily, weekly, monthly or 'rolling: N days', got {raw!r}")
    return None


def _thresholds(raw: Any, hard: Decimal, where: str, problems: list[str]) -> tuple[Decimal, ...] | None:
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of percentages, e.g. [50, 75, 90], got {raw!r}")
        return None
    values = [_percent(item, f"{where}[{i}]", problems) for i, item in enumerate(raw)]
    if any(v is None for v in values):
        return None
    if values != sorted(set(values)):
        problems.append(f"{where}: must be increasing and distinct, got {raw!r}")
        return None
    if values and values[-1] >= hard:
        problems.append(f"{where}: every soft threshold must be below the hard limit ({hard * 100:g}%), got {raw!r}")
        return None
    return tuple(values)


_BUDGET_KEYS = {"name", "scope", "value", "period", "limit_usd", "limit", "thresholds", "hard_limit",
                "filters", "parent", "description"}


def _parse_budget(raw: Any, index: int, defaults: dict, source: str, problems: list[str]) -> Budget | None:
    name = raw.get("name") if isinstance(raw, dict) else None
    label = f"budget {name!r}" if isinstance(name, str) and name else f"budgets[{index}]"
    if not isinstance(raw, dict):
        problems.append(f"{label}: must be a mapping with name, scope, period and limit_usd, got {raw!r}")
        return None
    start = len(problems)
    unknown = sorted(set(raw) - _BUDGET_KEYS)
    if unknown:
        problems.append(f"{label}: unknown field(s) {', '.join(unknown)}")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.append(f"{label}: field 'name' must be 1-100 letters, digits, '_', '-', '.', ':', got {name!r}")
    scope = raw.get("scope")
    if scope not in SCOPES:
        problems.append(f"{label}: field 'scope' must be one of {', '.join(SCOPES)}, got {scope!r}")
    value = raw.get("value")
    if scope == "global":
        if value not in (None, ALL_MEMBERS, GLOBAL_MEMBER):
            problems.append(f"{label}: field 'value' makes no sense for scope global, got {value!r}")
        value = GLOBAL_MEMBER
    elif value is None:
        problems.append(f"{label}: field 'value' is required for scope {scope!r} (a member, or '*' for each member)")
    elif not isinstance(value, str | int) or str(value).strip() == "":
        problems.append(f"{label}: field 'value' must be a member name or '*', got {value!r}")
    else:
        value = str(value).strip()
    period = parse_period(raw.get("period", defaults.get("period")), f"{label}: field 'period'", problems)
    if "limit_usd" not in raw and "limit" not in raw:
        problems.append(f"{label}: field 'limit_usd' is required (an amount in USD or 'unlimited')")
        limit = None
    else:
        limit = _money(raw.get("limit_usd", raw.get("limit")), f"{label}: field 'limit_usd'", problems)
    hard = _percent(raw.get("hard_limit", defaults.get("hard_limit", 100)), f"{label}: field 'hard_limit'", problems)
    thresholds = None
    if hard is not None:
        thresholds = _thresholds(
            raw.get("thresholds", defaults.get("thresholds", [50, 75, 90])), hard, f"{label}: field 'thresholds'",
            problems,
        )
    filters = raw.get("filters") or {}
    if not isinstance(filters, dict) or any(k not in SCOPES or k == "global" for k in filters):
        problems.append(f"{label}: field 'filters' must map scope names (not global) to values, got {filters!r}")
        filters = {}
    elif scope in filters:
        problems.append(f"{label}: field 'filters' repeats the budget's own scope {scope!r}; use 'value'")
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        problems.append(f"{label}: field 'parent' must be a budget name, got {parent!r}")
    if len(problems) > start:
        return None
    return Budget(
        name=name, scope=scope, value=value, period=period, limit_usd=limit,
        thresholds=thresholds, hard_limit=hard, filters={k: str(v) for k, v in filters.items()},
        parent=parent, source=source,
    )


def _user_ceilings(raw: Any, defaults: dict, problems: list[str]) -> list[Budget]:
    """`user_ceilings: {period: monthly, tiers: {free: 0.50, pro: 5, enterprise: unlimited}}` ->
    one per-user budget per tier (scope user, value '*', filter tier)."""
    if raw is None:
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("tiers"), dict) or not raw["tiers"]:
        problems.append("user_ceilings: must be a mapping with 'tiers' (tier -> USD per user or 'unlimited')")
        return []
    budgets = []
    for tier, limit in raw["tiers"].items():
        spec = {
            "name": f"user_ceiling:{tier}",
            "scope": "user",
            "value": ALL_MEMBERS,
            "period": raw.get("period", "monthly"),
            "limit_usd": limit,
            "filters": {"tier": str(tier)},
        }
        for key in ("thresholds", "hard_limit", "parent"):
            if key in raw:
                spec[key] = raw[key]
        budget = _parse_budget(spec, 0, defaults, "user_ceilings", problems)
        if budget is not None:
            budgets.append(budget)
    return budgets


def _settings(raw: Any, problems: list[str]) -> BudgetSettings:
    raw = raw or {}
    if not isinstance(raw, dict):
        problems.append(f"settings: must be a mapping, got {raw!r}")
        return BudgetSettings()
    base = BudgetSettings()
    tenant_key = (env_str("LLMCOSTS_BUDGET_TENANT_KEY") or "") or raw.get("tenant_key", base.tenant_key)
    throttle_raw = (env_str("LLMCOSTS_BUDGET_THROTTLE_PERCENT") or "") or raw.get("throttle_at_percent", 90)
    throttle = _percent(throttle_raw, "settings: field 'throttle_at_percent' (or LLMCOSTS_BUDGET_THROTTLE_PERCENT)",
                        problems)
    if throttle is not None and throttle > 1:
        problems.append(f"settings: field 'throttle_at_percent' must be at most 100, got {throttle_raw!r}")
    shared = raw.get("shared_values", list(base.shared_values))
    if not isinstance(shared, list) or not all(isinstance(s, str) for s in shared):
        problems.append(f"settings: field 'shared_values' must be a list of strings, got {shared!r}")
        shared = list(base.shared_values)
    for key, value in (("tenant_key", tenant_key), ("cost_centre_key", raw.get("cost_centre_key", "cost_centre")),
                       ("default_tier", raw.get("default_tier", "free"))):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"settings: field {key!r} must be a non-empty string, got {value!r}")
    return BudgetSettings(
        tenant_key=str(tenant_key),
        cost_centre_key=str(raw.get("cost_centre_key", base.cost_centre_key)),
        shared_values=tuple(shared),
        default_tier=str(raw.get("default_tier", base.default_tier)),
        throttle_at=throttle if throttle is not None else base.throttle_at,
    )


def _topups(raw: Any, problems: list[str]) -> list[CreditTopup]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append("credit_pools: must be a list of {scope, member, topups: [{at, amount_usd}]}")
        return []
    out = []
    for i, pool in enumerate(raw):
        where = f"credit_pools[{i}]"
        if not isinstance(pool, dict) or pool.get("scope") not in ("tenant", "user") or not pool.get("member"):
            problems.append(f"{where}: needs scope (tenant or user) and member, got {pool!r}")
            continue
        for j, topup in enumerate(pool.get("topups") or []):
            at = topup.get("at") if isinstance(topup, dict) else None
            if isinstance(at, date) and not isinstance(at, datetime):
                at = datetime(at.year, at.month, at.day)
            elif isinstance(at, str):
                try:
                    at = datetime.fromisoformat(at)
                except ValueError:
                    at = None
            if not isinstance(at, datetime):
                problems.append(f"{where}.topups[{j}]: field 'at' must be a date or timestamp, got {topup!r}")
                continue
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            amount = _money(topup.get("amount_usd"), f"{where}.topups[{j}]: field 'amount_usd'", problems,
                            allow_unlimited=False)
            if amount is not None:
                out.append(CreditTopup(pool["scope"], str(pool["member"]), at, amount, topup.get("note")))
    return out


def _contains(parent: Budget, child: Budget) -> bool:
    """Does every call counted by the child also count toward the parent, as far as the
    declarations tell? The parent is global, or the child is restricted (by value or filter) to
    the parent's member; and the parent's own filters are among the child's."""
    if parent is child or any(child.filters.get(k) != v for k, v in parent.filters.items()):
        return False
    if parent.scope == "global":
        return True
    restricted_to = child.value if child.scope == parent.scope and not child.per_member else child.filters.get(parent.scope)
    return restricted_to is not None and (parent.per_member or restricted_to == parent.value) and (
        child.scope != parent.scope
    )


def hierarchy_warnings(budgets: list[Budget]) -> tuple[list[str], list[str]]:
    """(errors, warnings): an unknown or cyclic `parent` is an error; a child whose limit exceeds its
    parent's (explicit parent, or any broader budget with the same period) is a warning."""
    errors, warnings = [], []
    by_name = {b.name: b for b in budgets}
    for budget in budgets:
        seen, current = {budget.name}, budget
        while current.parent is not None:
            if current.parent not in by_name:
                errors.append(f"budget {current.name!r}: field 'parent' names no budget: {current.parent!r}")
                break
            current = by_name[current.parent]
            if current.name in seen:
                errors.append(f"budget {budget.name!r}: field 'parent' forms a cycle")
                break
            seen.add(current.name)
    if errors:
        return errors, warnings
    for child in budgets:
        if child.limit_usd is None:
            continue
        parents = []
        if child.parent:
            parents.append(by_name[child.parent])
        parents.extend(
            p for p in budgets
            if p.name != child.parent and p.period == child.period and _contains(p, child)
        )
        for parent in parents:
            if parent.limit_usd is not None and child.limit_usd > parent.limit_usd:
                each = " per member" if child.per_member else ""
                warnings.append(
                    f"budget {child.name!r}: limit ${child.limit_usd}{each} ({child.period.label}) exceeds the "
                    f"limit of its parent {parent.name!r} (${parent.limit_usd}, {parent.period.label})"
                )
    return errors, warnings


def parse_budgets(data: Any, path: Path | str = "<budgets>", problems: list[str] | None = None) -> BudgetFile:
    """Validate a parsed YAML document; raise BudgetFileError listing every problem (`problems`:
    those already found while reading it, such as a key given twice)."""
    problems = list(problems or [])
    if not isinstance(data, dict):
        raise BudgetFileError(path, [*problems, f"the file must be a mapping with 'budgets' and/or 'user_ceilings', got {type(data).__name__}"])
    unknown = sorted(set(data) - {"version", "settings", "defaults", "user_ceilings", "budgets", "credit_pools"})
    if unknown:
        problems.append(f"unknown top-level field(s): {', '.join(unknown)}")
    if data.get("version", 1) != 1:
        problems.append(f"version: only version 1 is supported, got {data.get('version')!r}")
    settings = _settings(data.get("settings"), problems)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(f"defaults: must be a mapping, got {defaults!r}")
        defaults = {}
    raw_budgets = data.get("budgets") or []
    if not isinstance(raw_budgets, list):
        problems.append("budgets: must be a list")
        raw_budgets = []
    budgets = [b for i, raw in enumerate(raw_budgets) if (b := _parse_budget(raw, i, defaults, "budgets", problems))]
    budgets.extend(_user_ceilings(data.get("user_ceilings"), defaults, problems))
    seen: set[str] = set()
    for budget in budgets:
        if budget.name in seen:
            problems.append(f"budget {budget.name!r}: field 'name' is used more than once")
        seen.add(budget.name)
    topups = _topups(data.get("credit_pools"), problems)
    # On the budgets that parsed, even when others did not: every problem is reported at once.
    errors, warnings = hierarchy_warnings(budgets)
    if problems:
        # a parent may be missing only because it failed to parse: do not report that twice
        failed = {raw.get("name") for raw in raw_budgets if isinstance(raw, dict)} - {b.name for b in budgets}
        errors = [e for e in errors if not any(f"names no budget: {name!r}" in e for name in failed)]
    problems.extend(errors)
    if problems:
        raise BudgetFileError(path, problems)
    return BudgetFile(path=str(path), settings=settings, budgets=tuple(budgets), topups=tuple(topups),
                      warnings=tuple(warnings))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping: plain YAML keeps the last one
    silently, so two `limit_usd:` lines would load as whichever came last."""

    def construct_mapping(self, node, deep=False):
        seen, duplicates = set(), []
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                duplicates.append(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice in the same mapping")
            seen.add(key)
        self.duplicate_problems.extend(duplicates)
        return super().construct_mapping(node, deep=deep)

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_problems: list[str] = []


def load_budgets(path: Path | str | None = None) -> BudgetFile:
    """Read and validate the budgets file (default: LLMCOSTS_BUDGETS_FILE or alerts/budgets.yml)."""
    path = Path(path) if path is not None else budgets_file_path()
    try:
        text = path.read_text()
    except OSError as exc:
        raise BudgetFileError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    loader = _UniqueKeyLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BudgetFileError(path, [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    finally:
        loader.dispose()
    return parse_budgets(data, path, problems=loader.duplicate_problems)
